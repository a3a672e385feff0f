"""`denialbench corpus real ...`: extract, items, build, validate."""

from __future__ import annotations

import json

from real_fixtures import make_real_root, write_jsonl, write_obama_repo, write_wh_repo

from denialbench.corpus._io import iter_jsonl


def test_extract_writes_the_pool_and_provenance(cli, tmp_path):
    out = tmp_path / "real"
    done = cli(
        "corpus", "real", "extract",
        "--wh-briefings-dir", write_wh_repo(tmp_path / "wh"),
        "--obama-briefings-dir", write_obama_repo(tmp_path / "ob"),
        "--out", out,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["candidates"] == 6
    assert len(list(iter_jsonl(out / "candidates.jsonl"))) == 6
    assert (out / "provenance.json").exists()


def test_extract_with_a_missing_folder_exits_2(cli, tmp_path):
    done = cli(
        "corpus", "real", "extract",
        "--wh-briefings-dir", tmp_path / "nope",
        "--obama-briefings-dir", tmp_path / "nope2",
        "--out", tmp_path / "out",
    )  # fmt: skip
    assert done.exit_code == 2
    assert "nope: no such folder" in done.output
    assert "Traceback" not in done.output


def test_items_build_validate(cli, tmp_path):
    root = make_real_root(tmp_path)
    items = cli("corpus", "real", "items", "--corpus-dir", root)
    assert items.exit_code == 0, items.output
    assert json.loads(items.stdout)["natural"] == 5
    built = cli("corpus", "real", "build", "--corpus-dir", root)
    assert built.exit_code == 0, built.output
    checked = cli("corpus", "real", "validate", "--corpus-dir", root, "--json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["items"] == json.loads(built.stdout)["items"]


def test_validate_lists_a_bad_extraction_and_exits_2(cli, tmp_path):
    root = make_real_root(tmp_path)
    cli("corpus", "real", "build", "--corpus-dir", root)
    path = root / "sources" / "real" / "extractions" / "batch1.jsonl"
    rows = [r for _, r in iter_jsonl(path)]
    rows[2]["response"] = "Yes, it was delayed by two weeks."
    write_jsonl(path, rows)
    done = cli("corpus", "real", "validate", "--corpus-dir", root)
    assert done.exit_code == 2
    flat = " ".join(done.output.split())  # the console wraps long lines
    assert f"batch1.jsonl:3: {rows[2]['id']}: 'response' is not an exact span" in flat
    assert "Traceback" not in done.output
