"""`corpus validate`: passes on the bundled corpus, fails precisely on each violation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from denialbench import CorpusCheckFailed, RecordError
from denialbench.corpus import validate


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


def _problems(folder: Path) -> list[str]:
    with pytest.raises(CorpusCheckFailed) as info:
        validate(folder)
    return info.value.problems


@pytest.fixture(scope="module")
def bundled_report():
    return validate()


def test_bundled_corpus_passes(bundled_report):
    assert bundled_report["problems"] == []
    m = bundled_report["measures"]
    assert m["items"] >= 4000
    assert m["deny_no_cue_share"] >= 0.35
    assert m["nondeny_cue_share"] >= 0.25
    assert m["contrast_share"] >= 0.30
    assert m["unrelated_shared_entity_share"] >= 0.70


def test_duplicate_id_is_reported(corpus_copy):
    rows = _rows(corpus_copy / "test.jsonl")
    rows[1]["id"] = rows[0]["id"]
    _write(corpus_copy / "test.jsonl", rows)
    assert any("duplicate id" in p and rows[0]["id"] in p for p in _problems(corpus_copy))


def test_cross_split_exact_duplicate_is_reported(corpus_copy):
    train = _rows(corpus_copy / "train.jsonl")
    test = _rows(corpus_copy / "test.jsonl")
    test[0]["response"] = train[0]["response"]
    _write(corpus_copy / "test.jsonl", test)
    problems = _problems(corpus_copy)
    assert any(
        "response of" in p and "near-duplicates" in p and test[0]["id"] in p for p in problems
    )


def test_cross_split_near_duplicate_is_reported(corpus_copy):
    train = _rows(corpus_copy / "train.jsonl")
    validation = _rows(corpus_copy / "validation.jsonl")
    long_claim = max(train, key=lambda r: len(r["claim"]))["claim"]
    validation[0]["claim"] = long_claim.replace(".", "!", 1)  # a one-character edit
    _write(corpus_copy / "validation.jsonl", validation)
    assert any("claim of" in p and "near-duplicates" in p for p in _problems(corpus_copy))


def test_group_in_two_splits_is_reported(corpus_copy):
    train = _rows(corpus_copy / "train.jsonl")
    test = _rows(corpus_copy / "test.jsonl")
    test[0]["group"] = train[0]["group"]
    _write(corpus_copy / "test.jsonl", test)
    assert any("appears in several splits" in p for p in _problems(corpus_copy))


def test_label_quota_violation_is_reported(corpus_copy):
    test = _rows(corpus_copy / "test.jsonl")
    for row in test:
        if row["label"] == "confirm":
            row["label"], row["subtype"] = "unrelated", None
            row["tags"] = [t for t in row["tags"] if t != "cue_distractor"]
    _write(corpus_copy / "test.jsonl", test)
    problems = _problems(corpus_copy)
    assert any(p.startswith("test: confirm is 0.0% of items") for p in problems)
    assert any(p.startswith("test: unrelated is") for p in problems)


def test_size_quota_violation_is_reported(corpus_copy):
    test = _rows(corpus_copy / "test.jsonl")
    _write(corpus_copy / "test.jsonl", test[:100])
    assert any(p.startswith("test has 100 items; needs >= 1200") for p in _problems(corpus_copy))


def test_stale_computed_tag_is_reported(corpus_copy):
    test = _rows(corpus_copy / "test.jsonl")
    row = next(r for r in test if "no_cue" in r["tags"])
    row["tags"].remove("no_cue")
    _write(corpus_copy / "test.jsonl", test)
    assert any(row["id"] in p and "computed tags" in p for p in _problems(corpus_copy))


def test_edited_data_without_version_bump_is_reported(corpus_copy):
    path = corpus_copy / "validation.jsonl"
    path.write_text(path.read_text("utf-8") + "\n", encoding="utf-8")  # same records, new bytes
    assert any("changed since checksums.json" in p for p in _problems(corpus_copy))


def test_schema_error_stops_with_the_line(corpus_copy):
    rows = _rows(corpus_copy / "validation.jsonl")
    rows[4]["style"] = "telegram"
    _write(corpus_copy / "validation.jsonl", rows)
    with pytest.raises(RecordError, match=r"validation.jsonl:5: 'style'"):
        validate(corpus_copy)


def test_cli_validate_exit_codes(cli, corpus_copy):
    ok = cli("corpus", "validate")
    assert ok.exit_code == 0, ok.output
    assert "corpus OK" in ok.output
    test = _rows(corpus_copy / "test.jsonl")
    _write(corpus_copy / "test.jsonl", test[:50])
    failed = cli("corpus", "validate", "--data-dir", corpus_copy)
    assert failed.exit_code == 1
    assert "test has 50 items" in failed.output
    rows = _rows(corpus_copy / "train.jsonl")
    rows[0]["label"] = "perhaps"
    _write(corpus_copy / "train.jsonl", rows)
    bad = cli("corpus", "validate", "--data-dir", corpus_copy)
    assert bad.exit_code == 2
    assert "train.jsonl:1" in bad.output and "Traceback" not in bad.output


def test_cli_validate_json(cli):
    result = cli("corpus", "validate", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["problems"] == []
