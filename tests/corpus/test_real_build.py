"""Extraction checks, annotation aggregation, the real splits and their validation."""

from __future__ import annotations

import json
import shutil

import pytest
from real_fixtures import by_question_start, make_real_root, write_jsonl

from denialbench.corpus._io import iter_jsonl
from denialbench.corpus._real_annotations import fleiss_kappa, gold_labels
from denialbench.corpus._real_build import build_real, split_of, write_items
from denialbench.corpus._real_checks import validate_real
from denialbench.corpus._real_extractions import (
    RealDataError,
    call_on_at_edge,
    claim_words_missing,
    response_in_reply,
)
from denialbench.corpus._real_schema import REAL_SPLITS, check_real_record


@pytest.fixture
def real_root(tmp_path):
    """A corpus folder with candidates, extractions and three annotators' labels."""
    return make_real_root(tmp_path)


def _by_start(root):
    return by_question_start(root)


# ---------------------------------------------------------------- extraction checks


def test_response_must_be_a_span_up_to_whitespace():
    reply = "No, that is not accurate.  The office\nstays open. Go ahead, Taylor."
    assert response_in_reply("that is not accurate. The office stays open.", reply)
    assert not response_in_reply("that is not true.", reply)
    assert not response_in_reply("   ", reply)


@pytest.mark.parametrize(
    ("span", "call_on"),
    [
        ("The office stays open. Go ahead, Taylor.", "Go ahead, Taylor."),
        ("Okay, go ahead. The office stays open.", "Okay, go ahead."),
        ("The office stays open.", None),
        ("Go ahead and ask the agency.", None),
    ],
)
def test_call_ons_at_either_edge_are_found(span, call_on):
    assert call_on_at_edge(span) == call_on


def test_claim_words_must_come_from_the_question():
    question = "There are reports that the agency is closing its office in Springfield. True?"
    assert (
        claim_words_missing("Reports say the agency is closing offices in Springfield.", question)
        == []
    )
    assert (
        claim_words_missing("It was alleged the agency closed its Springfield office.", question)
        == []
    )
    assert claim_words_missing(
        "Reports say the agency is closing two offices in Ohio.", question
    ) == [
        "ohio",
        "two",
    ]


def test_extraction_problems_name_file_line_and_id(real_root):
    folder = real_root / "sources" / "real" / "extractions"
    by_start = _by_start(real_root)
    write_jsonl(
        folder / "batch2.jsonl",
        [
            {"id": "real-000000000000", "skip": "x"},
            {
                "id": by_start["Thank you. There are reports"]["id"],
                "claim": "x",
                "response": "y",
            },
        ],
    )
    with pytest.raises(RealDataError) as caught:
        validate_real(real_root)
    problems = "\n".join(caught.value.problems)
    assert f"{folder / 'batch2.jsonl'}:1: id 'real-000000000000' is not a candidate id" in problems
    assert (
        f"{folder / 'batch2.jsonl'}:2: {by_start['Thank you. There are reports']['id']}: given again"
        in problems
    )


def test_a_response_not_in_the_reply_is_listed(real_root):
    folder = real_root / "sources" / "real" / "extractions"
    rows = [r for _, r in iter_jsonl(folder / "batch1.jsonl")]
    rows[0]["response"] = "No, that is absolutely false."
    write_jsonl(folder / "batch1.jsonl", rows)
    with pytest.raises(RealDataError) as caught:
        validate_real(real_root)
    assert any(
        f"batch1.jsonl:1: {rows[0]['id']}: 'response' is not an exact span" in p
        for p in caught.value.problems
    )
    assert caught.value.exit_code == 2


def test_a_claim_with_new_facts_is_listed(real_root):
    folder = real_root / "sources" / "real" / "extractions"
    rows = [r for _, r in iter_jsonl(folder / "batch1.jsonl")]
    rows[1]["claim"] = "Reports say the President will travel to Ottawa and Quebec next week."
    write_jsonl(folder / "batch1.jsonl", rows)
    with pytest.raises(RealDataError) as caught:
        validate_real(real_root)
    assert any("['quebec'] are not in the question" in p for p in caught.value.problems)


# ---------------------------------------------------------------- annotations


def test_gold_majority_ambiguity_and_adjudication():
    rows = {
        "a": [{"label": "deny", "subtype": "explicit"}] * 2 + [{"label": "evade", "subtype": None}],
        "b": [{"label": "deny"}, {"label": "evade"}, {"label": "confirm"}],
        "c": [{"label": "deny"}, {"label": "deny"}],  # too few annotators: waits
        "d": [{"label": "evade", "subtype": "hedge"}] * 4,
    }
    gold = gold_labels(rows, {"d": {"label": "confirm", "subtype": None, "reason": "said yes"}})
    assert gold["a"].label == "deny" and gold["a"].subtype == "explicit"
    assert gold["a"].counts == {"deny": 2, "confirm": 0, "evade": 1, "unrelated": 0}
    assert not gold["a"].ambiguous
    assert gold["b"].ambiguous
    assert "c" not in gold
    assert gold["d"].label == "confirm" and gold["d"].adjudication == "said yes"


def test_two_of_four_is_ambiguous():
    rows = {"a": [{"label": "deny"}] * 2 + [{"label": "evade"}, {"label": "confirm"}]}
    assert gold_labels(rows, {})["a"].ambiguous


def test_fleiss_kappa_known_values():
    assert fleiss_kappa([{"deny": 3}, {"evade": 3}]) == pytest.approx(1.0)
    # Fleiss (1971)-style check: P_o = (1 + 1/3) / 2, P_e = (4/6)^2 + (2/6)^2
    value = fleiss_kappa([{"deny": 3}, {"deny": 1, "evade": 2}])
    p_o, p_e = (1 + 1 / 3) / 2, (4 / 6) ** 2 + (2 / 6) ** 2
    assert value == pytest.approx((p_o - p_e) / (1 - p_e))
    assert fleiss_kappa([{"deny": 1}]) is None


def test_bad_annotation_lines_are_listed(real_root):
    items = [r for _, r in iter_jsonl(real_root / "sources" / "real" / "items.jsonl")]
    path = real_root / "sources" / "real" / "annotations" / "bad.jsonl"
    write_jsonl(
        path,
        [
            {"id": items[0]["id"], "annotator": "a9", "label": "refute", "subtype": None},
            {"id": items[0]["id"], "annotator": "a1", "label": "deny", "subtype": None},
            {"id": items[0]["id"], "annotator": "a8", "label": "deny", "subtype": "hedge"},
        ],
    )
    with pytest.raises(RealDataError) as caught:
        validate_real(real_root)
    text = "\n".join(caught.value.problems)
    assert f"{path}:1: {items[0]['id']}: 'label' must be one of" in text
    assert f"{path}:2: {items[0]['id']}: annotator 'a1' again" in text
    assert f"{path}:3: {items[0]['id']}: 'subtype' must be one of" in text


# ---------------------------------------------------------------- items, build, validate


def test_items_and_blind_file(real_root):
    folder = real_root / "sources" / "real"
    items = [r for _, r in iter_jsonl(folder / "items.jsonl")]
    blind = [r for _, r in iter_jsonl(folder / "to_annotate.jsonl")]
    assert [sorted(r) for r in blind] == [["claim", "id", "response"]] * len(items)
    natural = [i for i in items if not i["constructed"]]
    assert len(natural) == 5
    for item in items:
        if item["constructed"]:  # a reply paired with another exchange's claim, same briefing
            assert item["claim_exchange"] != item["response_exchange"]


def test_constructed_pairs_stay_when_items_are_rewritten(real_root):
    path = real_root / "sources" / "real" / "items.jsonl"
    before = path.read_bytes()
    write_items(real_root)
    assert path.read_bytes() == before


def test_build_then_validate(real_root):
    summary = build_real(real_root)
    assert summary["problems"] == []
    assert summary["items"] == summary["splits"]["real_train"]["items"] + sum(
        summary["splits"][s]["items"] for s in ("real_validation", "real_test")
    )
    assert summary["ambiguous"] == 1
    records = [r for s in REAL_SPLITS for _, r in iter_jsonl(real_root / "data" / f"{s}.jsonl")]
    for record in records:
        check_real_record(record, "built")
    allegation = next(r for r in records if r["claim"].startswith("It has been alleged"))
    assert allegation["ambiguous"] and allegation["annotations"] == {
        "deny": 1,
        "confirm": 1,
        "evade": 1,
        "unrelated": 0,
    }
    assert allegation["speaker"] == "Chris Poe"
    assert allegation["question"].startswith("There have been allegations")
    assert validate_real(real_root)["items"] == len(records)


def test_build_is_byte_identical_on_rerun(real_root):
    build_real(real_root)
    first = {s: (real_root / "data" / f"{s}.jsonl").read_bytes() for s in REAL_SPLITS}
    build_real(real_root)
    assert first == {s: (real_root / "data" / f"{s}.jsonl").read_bytes() for s in REAL_SPLITS}


def test_items_without_three_annotations_wait(real_root):
    path = real_root / "sources" / "real" / "annotations" / "all.jsonl"
    rows = [r for _, r in iter_jsonl(path)]
    write_jsonl(path, [r for r in rows if r["annotator"] != "a3"])
    summary = build_real(real_root)
    assert summary["items"] == 0
    assert summary["waiting_for_annotations"] > 0


def test_validate_finds_an_edited_response(real_root):
    build_real(real_root)
    split = next(s for s in REAL_SPLITS if (real_root / "data" / f"{s}.jsonl").stat().st_size)
    path = real_root / "data" / f"{split}.jsonl"
    records = [r for _, r in iter_jsonl(path)]
    records[0]["response"] = records[0]["response"] + " Indeed."
    write_jsonl(path, records)
    with pytest.raises(RealDataError) as caught:
        validate_real(real_root)
    problems = "\n".join(caught.value.problems)
    assert f"{path}:1: {records[0]['id']}: the response is not an exact span" in problems
    assert "run `denialbench corpus real build`" in problems


def test_validate_finds_a_briefing_in_two_splits(real_root):
    build_real(real_root)
    data = real_root / "data"
    source = next(s for s in REAL_SPLITS if (data / f"{s}.jsonl").stat().st_size)
    other = next(s for s in REAL_SPLITS if s != source)
    records = [r for _, r in iter_jsonl(data / f"{source}.jsonl")]
    moved = {**records[0], "id": "real-ffffffffffff", "split": other}
    write_jsonl(
        data / f"{other}.jsonl", [*[r for _, r in iter_jsonl(data / f"{other}.jsonl")], moved]
    )
    with pytest.raises(RealDataError) as caught:
        validate_real(real_root)
    assert any(
        f"briefing {records[0]['briefing_id']}" in p and "is in both" in p
        for p in caught.value.problems
    )


def test_splits_go_by_week_and_follow_the_shares():
    shares = {"real_test": 0.5, "real_validation": 0.1, "real_train": 0.4}
    # Monday to Sunday of one ISO week share a split
    week = {split_of(f"2023-03-{day:02d}", shares) for day in range(13, 20)}
    assert len(week) == 1
    import datetime as dt

    start = dt.date(2009, 1, 5)
    dates = [(start + dt.timedelta(weeks=w)).isoformat() for w in range(16 * 52)]
    counts = {s: sum(split_of(d, shares) == s for d in dates) for s in REAL_SPLITS}
    for split, share in shares.items():
        assert counts[split] / len(dates) == pytest.approx(share, abs=0.05)
    everything_test = {"real_test": 1.0, "real_validation": 0.0, "real_train": 0.0}
    assert {split_of(d, everything_test) for d in dates} == {"real_test"}


def test_splits_json_overrides_the_shares(real_root):
    path = real_root / "sources" / "real" / "splits.json"
    path.write_text(json.dumps({"real_test": 1.0, "real_validation": 0.0, "real_train": 0.0}))
    summary = build_real(real_root)
    assert summary["splits"]["real_test"]["items"] == summary["items"] > 0


def test_unannotated_sources_build_empty_files(tmp_path, real_root):
    shutil.rmtree(real_root / "sources" / "real" / "annotations")
    summary = build_real(real_root)
    assert summary["items"] == 0
    assert all((real_root / "data" / f"{s}.jsonl").read_text() == "" for s in REAL_SPLITS)


def test_candidates_are_checked_against_the_transcripts(real_root, tmp_path):
    from real_fixtures import write_obama_repo, write_wh_repo

    from denialbench.corpus._real_checks import candidates_against_transcripts

    build_real(real_root)
    transcripts = (write_wh_repo(tmp_path / "wh3"), write_obama_repo(tmp_path / "ob3"))
    assert validate_real(real_root, transcripts=transcripts)["items"] > 0
    path = real_root / "sources" / "real" / "candidates.jsonl"
    rows = [r for _, r in iter_jsonl(path)]
    rows[0]["reply"] = rows[0]["reply"] + " And more."
    candidates = {r["id"]: r for r in rows}
    problems = candidates_against_transcripts(candidates, *transcripts)
    assert problems == [f"candidates.jsonl: {rows[0]['id']}: 'reply' differs from the transcript"]


def test_summary_reports_the_size_targets(real_root):
    summary = build_real(real_root)
    targets = summary["targets"]
    assert targets["items"] == {"target": 1500, "actual": summary["items"], "met": False}
    assert set(targets) == {
        "items",
        "real_test",
        "real_test_deny",
        "real_test_evade",
        "real_test_confirm",
    }
