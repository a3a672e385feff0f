"""`corpus build` is deterministic, keeps groups whole, and guards the version."""

from __future__ import annotations

import json
import shutil

import pytest

from denialbench import InputError
from denialbench.corpus._build import build


def _mini_root(tmp_path, repo):
    root = tmp_path / "corpus"
    (root / "sources").mkdir(parents=True)
    (root / "data").mkdir()
    src = repo / "corpus" / "sources"
    if not src.exists():
        pytest.skip("needs a checkout with corpus/sources")
    # a slice of real sources keeps the test fast and the text realistic
    for path in sorted(src.glob("*.jsonl"))[:2]:
        lines = path.read_text("utf-8").splitlines()[:120]
        (root / "sources" / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_build_is_deterministic_and_keeps_groups_whole(tmp_path, repo):
    root = _mini_root(tmp_path, repo)
    first = build(root, seed=5)
    copy = tmp_path / "again"
    shutil.copytree(root, copy)
    for f in (copy / "data").glob("*"):
        f.unlink()
    second = build(copy, seed=5)
    assert first["checksums"] == second["checksums"]
    split_of = {}
    for split in ("train", "validation", "test"):
        for line in (root / "data" / f"{split}.jsonl").read_text("utf-8").splitlines():
            record = json.loads(line)
            assert split_of.setdefault(record["group"], split) == split
            assert record["split"] == split


def _append_item(root, group_file_index=0):
    path = sorted((root / "sources").glob("*.jsonl"))[group_file_index]
    row = json.loads(path.read_text("utf-8").splitlines()[0])
    row = dict(
        row,
        claim="The Kestrel Echo reported that the ferry timetable will change in May.",
        claim_source="The Kestrel Echo",
        label="unrelated",
        subtype=None,
        tags=[],
    )
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    return row["group"]


def test_build_refuses_changed_data_under_the_same_version(tmp_path, repo):
    root = _mini_root(tmp_path, repo)
    build(root, seed=1)
    _append_item(root)
    with pytest.raises(InputError, match="bump CORPUS_VERSION"):
        build(root, seed=1)
    # nothing was half-written: the first build's files are intact
    recorded = json.loads((root / "data" / "checksums.json").read_text("utf-8"))
    from denialbench.corpus import sha256_file

    for split, sha in recorded["sha256"].items():
        assert sha256_file(root / "data" / f"{split}.jsonl") == sha


def test_released_groups_keep_their_split(tmp_path, repo):
    root = _mini_root(tmp_path, repo)
    build(root, seed=1)
    frozen = json.loads((root / "sources" / "splits.json").read_text("utf-8"))
    group = _append_item(root)
    build(root, seed=99, allow_same_version=True)  # another seed: released groups stay
    assert json.loads((root / "sources" / "splits.json").read_text("utf-8")) == frozen
    rows = [
        json.loads(line)
        for s in ("train", "validation", "test")
        for line in (root / "data" / f"{s}.jsonl").read_text("utf-8").splitlines()
    ]
    assert {r["split"] for r in rows if r["group"] == group} == {frozen[group]}


def test_seed_item_is_real_and_cited():
    from denialbench.corpus import SEED_ITEM_ID, load

    frames = load(as_pandas=True)
    rows = [f[f["id"] == SEED_ITEM_ID] for f in frames.values()]
    row = next(r for r in rows if len(r)).iloc[0]
    assert "pure fiction" in row["response"]
    assert "TRT World" in row["source"] and "2024-11-11" in row["source"]
    assert row["label"] == "deny"
