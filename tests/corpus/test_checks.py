"""`corpus validate`: passes on the bundled corpus, fails precisely on each violation.

The bundled corpus is validated once (13 s on 2 cores). Each violation is
tested on a small corpus written in the test: about a hundred real items in
whole groups, with the size and share quotas relaxed so that the untouched
small corpus passes, and each test breaks one thing and expects exactly the
problem it caused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from denialbench import CorpusCheckFailed, RecordError
from denialbench.corpus import (
    CORPUS_VERSION,
    QUOTAS,
    SEED_ITEM_ID,
    SPLITS,
    _probes,
    _writing_checks,
    data_dir,
    validate,
)
from denialbench.corpus._io import sha256_file
from denialbench.corpus._loading import read_split_files

#: Groups per split in the small corpus (groups hold 1-8 items).
GROUPS_PER_SPLIT = 8
#: The quotas that only a full-size corpus meets, and values any sample meets.
LENIENT = {
    **{key: 0 for key in QUOTAS if key.startswith("min_") and key != "min_domains"},
    "min_domains": 1,
    **{key: 0.0 for key in QUOTAS if key.endswith("_min")},
    **{key: 1.0 for key in QUOTAS if key.endswith("_max")},
}


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _write(path: Path, rows: list[dict]) -> None:
    """Write a split file and record its checksum, as `corpus build` would."""
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    checksums = path.parent / "checksums.json"
    recorded = json.loads(checksums.read_text("utf-8")) if checksums.exists() else {}
    recorded.setdefault("version", CORPUS_VERSION)
    recorded.setdefault("sha256", {})[path.stem] = sha256_file(path)
    checksums.write_text(json.dumps(recorded), encoding="utf-8")


def _problems(folder: Path) -> list[str]:
    with pytest.raises(CorpusCheckFailed) as info:
        validate(folder)
    return info.value.problems


@pytest.fixture(scope="module")
def bundled_splits() -> dict[str, list[dict[str, Any]]]:
    return read_split_files(data_dir())


@pytest.fixture
def small_corpus(tmp_path, bundled_splits, monkeypatch) -> Path:
    """A valid corpus folder of whole groups from each bundled split, quotas relaxed."""
    for key, value in LENIENT.items():
        monkeypatch.setitem(QUOTAS, key, value)
    # a hundred items cannot show a corpus-wide frame or overlap share, nor which
    # capitalised words are ordinary ("World Cup"): take those from the full corpus
    everything = [r for split in SPLITS for r in bundled_splits[split]]
    common = _writing_checks._common_words(
        r[f] for r in everything for f in ("claim", "response", "speaker")
    )
    monkeypatch.setattr(_writing_checks, "_common_words", lambda _texts: common)
    monkeypatch.setattr(_writing_checks, "CLAIM_FRAME_LIMIT", 1.0)
    monkeypatch.setattr(_writing_checks, "RESPONSE_FRAME_LIMIT", 1.0)
    monkeypatch.setattr(_probes, "UNRELATED_OVERLAP_LIMIT", 1.01)
    folder = tmp_path / "data"
    folder.mkdir()
    for split in SPLITS:
        records = bundled_splits[split]
        groups = list(dict.fromkeys(r["group"] for r in records))[:GROUPS_PER_SPLIT]
        groups += [r["group"] for r in records if r["id"] == SEED_ITEM_ID]
        _write(folder / f"{split}.jsonl", [r for r in records if r["group"] in groups])
    return folder


@pytest.fixture(scope="module")
def bundled_report():
    return validate()


def test_bundled_corpus_passes(bundled_report):
    assert bundled_report["problems"] == []
    m = bundled_report["measures"]
    assert m["items"] >= 10000
    assert m["deny_no_cue_share"] >= 0.35
    assert m["nondeny_cue_share"] >= 0.25
    assert m["contrast_share"] >= 0.70
    assert m["unrelated_shared_entity_share"] >= 0.70
    # a missed target is reported, not hidden: word overlap finding unrelated items
    overlap_missed = any(
        t.startswith("word overlap alone") for t in bundled_report["targets_missed"]
    )
    assert overlap_missed is (m["unrelated_overlap"] >= 0.60)


def test_small_corpus_passes_with_relaxed_quotas(small_corpus):
    report = validate(small_corpus)
    assert report["problems"] == []
    assert 30 <= report["measures"]["items"] <= 300


def test_duplicate_id_is_reported(small_corpus):
    rows = _rows(small_corpus / "test.jsonl")
    rows[1]["id"] = rows[0]["id"]
    _write(small_corpus / "test.jsonl", rows)
    problems = _problems(small_corpus)
    assert any("duplicate id" in p and rows[0]["id"] in p for p in problems), problems


def test_cross_split_exact_duplicate_is_reported(small_corpus):
    train = _rows(small_corpus / "train.jsonl")
    test = _rows(small_corpus / "test.jsonl")
    test[0]["response"] = train[0]["response"]
    _write(small_corpus / "test.jsonl", test)
    problems = _problems(small_corpus)
    assert (
        f"response of {train[0]['id']} (train) and {test[0]['id']} (test) are near-duplicates "
        "(5-gram Jaccard 1.00 >= 0.8); put their groups in one split"
    ) in problems
    # train[0]'s group may reuse the response in a contrast pair: each such pair is named
    # (the copied text also brings its names and cue words, reported apart)
    pairs = [p for p in problems if "near-duplicates" in p]
    assert all(f"and {test[0]['id']} (test) are near-duplicates" in p for p in pairs)


def test_cross_split_near_duplicate_is_reported(small_corpus):
    train = _rows(small_corpus / "train.jsonl")
    validation = _rows(small_corpus / "validation.jsonl")
    source = max(train, key=lambda r: len(r["claim"]))
    validation[0]["claim"] = source["claim"].replace(".", "!", 1)  # a one-character edit
    _write(small_corpus / "validation.jsonl", validation)
    problems = _problems(small_corpus)
    assert any(
        p.startswith(f"claim of {source['id']} (train) and {validation[0]['id']} (validation)")
        and "near-duplicates" in p
        for p in problems
    ), problems


def test_group_in_two_splits_is_reported(small_corpus):
    train = _rows(small_corpus / "train.jsonl")
    test = _rows(small_corpus / "test.jsonl")
    test[0]["group"] = train[0]["group"]
    _write(small_corpus / "test.jsonl", test)
    problems = _problems(small_corpus)
    assert f"group {train[0]['group']!r} appears in several splits: ['test', 'train']" in problems


def test_label_quota_violation_is_reported(small_corpus, monkeypatch):
    for key in ("confirm_min", "unrelated_max"):
        monkeypatch.setitem(QUOTAS, key, {"confirm_min": 0.15, "unrelated_max": 0.20}[key])
    test = _rows(small_corpus / "test.jsonl")
    for row in test:
        if row["label"] == "confirm":
            row["label"], row["subtype"] = "unrelated", None
            row["tags"] = [t for t in row["tags"] if t != "cue_distractor"]
    _write(small_corpus / "test.jsonl", test)
    problems = _problems(small_corpus)
    assert "test: confirm is 0.0% of items; must be 15%-100%" in problems
    assert any(p.startswith("test: unrelated is") and "must be 0%-20%" in p for p in problems)


def test_size_quota_violation_is_reported(small_corpus, monkeypatch):
    monkeypatch.setitem(QUOTAS, "min_test", 20)
    test = _rows(small_corpus / "test.jsonl")
    _write(small_corpus / "test.jsonl", test[:10])
    assert "test has 10 items; needs >= 20" in _problems(small_corpus)


def test_stale_computed_tag_is_reported(small_corpus):
    test = _rows(small_corpus / "test.jsonl")
    row = next(r for r in test if "no_cue" in r["tags"])
    row["tags"].remove("no_cue")
    _write(small_corpus / "test.jsonl", test)
    problems = _problems(small_corpus)
    assert any(row["id"] in p and "computed tags" in p for p in problems), problems


def test_edited_data_without_version_bump_is_reported(small_corpus):
    path = small_corpus / "validation.jsonl"
    path.write_text(path.read_text("utf-8") + "\n", encoding="utf-8")  # same records, new bytes
    assert _problems(small_corpus) == [
        "validation.jsonl changed since checksums.json was written; any data change "
        "needs a version bump and `denialbench corpus build`"
    ]


def test_missing_seed_item_is_reported(small_corpus):
    for split in SPLITS:  # wherever the build put it
        rows = [r for r in _rows(small_corpus / f"{split}.jsonl") if r["id"] != SEED_ITEM_ID]
        _write(small_corpus / f"{split}.jsonl", rows)
    problems = _problems(small_corpus)
    assert f"the real seed item {SEED_ITEM_ID!r} with its source is missing" in problems


def test_schema_error_stops_with_the_line(small_corpus):
    rows = _rows(small_corpus / "validation.jsonl")
    rows[4]["style"] = "telegram"
    _write(small_corpus / "validation.jsonl", rows)
    with pytest.raises(RecordError, match=r"validation.jsonl:5: 'style'"):
        validate(small_corpus)


def test_cli_validate_exit_codes(cli, small_corpus, monkeypatch):
    ok = cli("corpus", "validate", "--data-dir", small_corpus)
    assert ok.exit_code == 0, ok.output
    assert "corpus OK" in ok.output
    as_json = cli("corpus", "validate", "--json", "--data-dir", small_corpus)
    assert as_json.exit_code == 0
    assert json.loads(as_json.output)["problems"] == []
    monkeypatch.setitem(QUOTAS, "min_test", 1200)
    failed = cli("corpus", "validate", "--data-dir", small_corpus)
    assert failed.exit_code == 1
    assert "test has" in failed.output and "needs >= 1200" in failed.output
    rows = _rows(small_corpus / "train.jsonl")
    rows[0]["label"] = "perhaps"
    _write(small_corpus / "train.jsonl", rows)
    bad = cli("corpus", "validate", "--data-dir", small_corpus)
    assert bad.exit_code == 2
    assert "train.jsonl:1" in bad.output and "Traceback" not in bad.output


def test_writing_rules_are_part_of_validate(small_corpus, monkeypatch):
    test = _rows(small_corpus / "test.jsonl")
    groups = list(dict.fromkeys(r["group"] for r in test))[:2]
    for group in groups:
        row = next(r for r in test if r["group"] == group)
        row["response"] += " Ask Zorvath Quillondale."
    _write(small_corpus / "test.jsonl", test)
    monkeypatch.setattr(_writing_checks, "CLAIM_FRAME_LIMIT", 0.001)
    problems = _problems(small_corpus)
    assert any("Zorvath Quillondale (2)" in p for p in problems), problems
    assert any(p.startswith("claim frame ") and "at most 0%" in p for p in problems), problems


def test_recorded_probes_must_match_the_data(small_corpus):
    record = {
        "data_sha256": {"train": "0" * 64, "test": sha256_file(small_corpus / "test.jsonl")},
        "probes": [],
        "unrelated_overlap": {},
        "passed": True,
    }
    (small_corpus.parent / "probes.json").write_text(json.dumps(record), encoding="utf-8")
    problems = _problems(small_corpus)
    assert any("probes.json was measured on another train.jsonl" in p for p in problems)
    record["data_sha256"]["train"] = sha256_file(small_corpus / "train.jsonl")
    record["probes"] = [
        {"name": "claim_only", "macro_f1": 0.5, "limit": "<= 0.30", "passed": False}
    ]
    (small_corpus.parent / "probes.json").write_text(json.dumps(record), encoding="utf-8")
    # a probe over its limit is a missed target: reported, but the data is valid
    report = validate(small_corpus)
    assert report["problems"] == []
    assert report["targets_missed"] == [
        "probe claim_only scores macro-F1 0.500 on test; its limit is <= 0.30 "
        "(`denialbench corpus probes`)"
    ]


def test_unrelated_overlap_over_its_limit_is_a_missed_target(small_corpus, monkeypatch):
    monkeypatch.setattr(_probes, "UNRELATED_OVERLAP_LIMIT", 0.0)
    report = validate(small_corpus)
    assert report["problems"] == []
    assert any(t.startswith("word overlap alone finds") for t in report["targets_missed"])


def test_evaluation_items_need_three_blind_labels(small_corpus, monkeypatch):
    monkeypatch.setitem(QUOTAS, "min_blind_labels", 3)
    for split in ("validation", "test"):  # every item fully labelled but one
        rows = _rows(small_corpus / f"{split}.jsonl")
        for row in rows:
            row["annotations"] = {"deny": 0, "confirm": 0, "evade": 0, "unrelated": 0}
            row["annotations"][row["label"]] = 3
        _write(small_corpus / f"{split}.jsonl", rows)
    test = _rows(small_corpus / "test.jsonl")
    test[0]["annotations"] = {"deny": 1, "confirm": 1, "evade": 0, "unrelated": 0}
    _write(small_corpus / "test.jsonl", test)
    problems = _problems(small_corpus)
    short = [p for p in problems if "fewer than 3 blind labels" in p]
    assert len(short) == 1 and short[0].startswith("1 validation/test item(s)"), problems
    assert test[0]["id"] in short[0]
