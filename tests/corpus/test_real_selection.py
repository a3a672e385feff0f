"""Selecting claim-bearing exchanges and writing the candidate pool."""

from __future__ import annotations

import json
import re

import pytest
from real_fixtures import MD_URL, as_bare_git, write_obama_repo, write_wh_repo

from denialbench.corpus._io import iter_jsonl
from denialbench.corpus._real_pool import write_candidate_pool
from denialbench.corpus._real_selection import (
    PATTERNS,
    exchange_id,
    match_pattern,
    strip_reporter,
)


@pytest.mark.parametrize(
    ("question", "pattern"),
    [
        ("Can you confirm or deny that the plant will close?", "confirm_or_deny"),
        ("Does the White House deny that the memo was sent?", "do_you_deny"),
        ("Are you able to confirm that the envoy resigned?", "can_you_confirm"),
        ("The mayor resigned. Is that accurate?", "is_it_true"),
        ("There have been several new reports of a leak.", "there_are_reports"),
        ("It was reported yesterday that the talks stalled.", "reports_that"),
        ("The Example Post says the talks stalled.", "outlet_says"),
        ("The senator alleged misconduct by the agency.", "allegation"),
        ("He claims that the vote was rigged.", "claims_that"),
        ("There is a rumor about a reshuffle.", "rumor"),
        ("According to the union, the mill will close.", "according_to"),
    ],
)
def test_each_pattern_matches_its_kind_of_question(question, pattern):
    assert match_pattern(question)[0] == pattern


@pytest.mark.parametrize(
    "question",
    ["What is the President's schedule tomorrow?", "Did the jobs report surprise you?"],
)
def test_questions_without_a_claim_match_nothing(question):
    assert match_pattern(question) == []


def test_patterns_are_named_once():
    names = [name for name, _ in PATTERNS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("This is Pat Lee with the Example Ledger. Is it true?", "Is it true?"),
        ("Thank you. Hi, this is Pat Lee from Example News. Is it true?", "Thank you. Is it true?"),
        ("Pat Lee, Example Ledger -- is it true that X?", "is it true that X?"),
        ("This is a different subject. Is it true?", "This is a different subject. Is it true?"),
    ],
)
def test_strip_reporter_removes_self_introductions_only(question, expected):
    assert strip_reporter(question) == expected


def test_exchange_ids_are_opaque_stable_and_fixed_length():
    first = exchange_id(MD_URL, 3)
    assert first == exchange_id(MD_URL, 3) != exchange_id(MD_URL, 5)
    assert re.fullmatch(r"real-[0-9a-f]{12}", first)


@pytest.fixture
def pool(tmp_path):
    wh = write_wh_repo(tmp_path / "wh")
    obama = write_obama_repo(tmp_path / "obama")
    provenance = write_candidate_pool(wh, obama, tmp_path / "out")
    rows = [row for _, row in iter_jsonl(tmp_path / "out" / "candidates.jsonl")]
    return provenance, rows


def test_pool_keeps_claim_questions_to_officials(pool):
    provenance, rows = pool
    wh = provenance["sources"]["wh-briefings"]
    assert wh["briefings"] == 2
    # dropped: a moderator "reply", a 450-word reply, a cut-off "We —", a short
    # question, and a question with no claim pattern
    assert wh["dropped"] == {
        "no_pattern": 1,
        "question_too_short": 1,
        "reply_cut_off": 1,
        "reply_not_official": 1,
        "reply_too_long": 1,
    }
    assert provenance["candidates"] == len(rows) == 6
    assert all(row["speaker_label"] != "MODERATOR" for row in rows)


def test_pool_records_speaker_question_and_verbatim_reply(pool):
    _, rows = pool
    by_question = {row["question"]: row for row in rows}
    row = by_question["Can you confirm reports that the President will travel to Ottawa next week?"]
    assert row["speaker"] == "Alex Doe" and row["speaker_title"] == "Press Secretary"
    assert row["reply"] == "I don’t have any travel to announce at this time."
    assert row["source_url"] and row["date"] == "2023-03-14"
    roe = next(r for r in rows if r["speaker_label"] == "MR. ROE")
    assert (roe["speaker"], roe["speaker_title"]) == ("Sam Roe", "National Security Advisor")


def test_pool_is_deterministic_and_sorted(pool, tmp_path):
    _, rows = pool
    again = write_candidate_pool(
        write_wh_repo(tmp_path / "wh2"), write_obama_repo(tmp_path / "ob2"), tmp_path / "o2"
    )
    assert again["candidates"] == len(rows)
    assert (tmp_path / "o2" / "candidates.jsonl").read_bytes() == (
        tmp_path / "out" / "candidates.jsonl"
    ).read_bytes()
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)


def test_limit_keeps_the_most_explicit_patterns(tmp_path):
    wh = write_wh_repo(tmp_path / "wh")
    obama = write_obama_repo(tmp_path / "obama")
    provenance = write_candidate_pool(wh, obama, tmp_path / "out", limit=2)
    assert provenance["cut_by_limit"] == 4
    kept = [r["matched_pattern"] for _, r in iter_jsonl(tmp_path / "out" / "candidates.jsonl")]
    assert sorted(kept) == ["can_you_confirm", "do_you_deny"]


def test_duplicate_briefing_urls_count_once(tmp_path):
    obama = write_obama_repo(tmp_path / "obama")
    # the index lists the first briefing again as a third row, with its file 2.html
    index = (obama / "indexPages" / "0.html").read_text()
    first = index.index('<div class="views-row')
    row = index[first : index.index('<div class="views-row', first + 1)]
    (obama / "indexPages" / "0.html").write_text(
        index.replace("</div></body>", row + "</div></body>")
    )
    (obama / "pressBriefings" / "2.html").write_text(
        (obama / "pressBriefings" / "0.html").read_text()
    )
    provenance = write_candidate_pool(write_wh_repo(tmp_path / "wh"), obama, tmp_path / "out")
    assert provenance["sources"]["obama-briefings"]["dropped"]["duplicate_briefing_url"] == 1
    ids = [r["id"] for _, r in iter_jsonl(tmp_path / "out" / "candidates.jsonl")]
    assert len(ids) == len(set(ids))


def test_provenance_records_the_commit_of_a_git_snapshot(tmp_path):
    wh = as_bare_git(write_wh_repo(tmp_path / "wh"), tmp_path / "wh.git")
    provenance = write_candidate_pool(wh, write_obama_repo(tmp_path / "ob"), tmp_path / "out")
    assert len(provenance["sources"]["wh-briefings"]["commit"]) == 40
    assert provenance["sources"]["obama-briefings"]["commit"] is None
    on_disk = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert on_disk == provenance


def test_turns_run_together_are_left_out():
    from collections import Counter

    from denialbench.corpus._briefings import Briefing, split_turns
    from denialbench.corpus._real_selection import candidates
    from denialbench.corpus._speakers import SpeakerResolver

    turns = split_turns(
        [
            "Q  Is it true that the depot will close next month?",
            "MR. POE:  I would not say so. Q  And on the budget, is it true it grows?",
            "Q  Can you confirm reports that the depot will close?",
            "MR. POE:  No.",
        ]
    )
    briefing = Briefing("obama-briefings", "0.html", "2011-05-06", "T", "https://x.gov/b", turns)
    counts: Counter[str] = Counter()
    resolvers = {"obama-briefings": SpeakerResolver([])}
    kept = list(candidates([briefing], resolvers, counts))
    assert [c["reply"] for c in kept] == ["No."]
    assert counts["turns_run_together"] == 1
