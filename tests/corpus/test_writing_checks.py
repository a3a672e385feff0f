from __future__ import annotations

import json

from probe_fixtures import make_records, write_corpus

from denialbench.corpus._writing_checks import (
    CLAIM_FRAME_LIMIT,
    claim_frames,
    name_reuse,
    text_frame,
    writing_checks,
)

COMMON = {"reported", "that", "will", "shut", "the", "department", "said", "store"}


def test_frame_masks_names_numbers_and_joins_name_runs():
    assert text_frame("Pellow & Dane will shut 3 stores.", COMMON) == "<name> will shut <num>"
    assert text_frame("The Halvern Courier reported that", COMMON) == "the <name> reported that"
    # an ordinary word that starts a sentence stays; an unknown one is a name
    assert text_frame("Department store said.", COMMON) == "department store said"
    assert text_frame("Zorvath said. The store", COMMON) == "<name> said the store"
    assert text_frame("I'm not sure", {"not", "sure"}) == "i'm not sure"


def test_a_repeated_claim_frame_trips_the_limit():
    varied = [f"{w} wrote about item {i} today." for i, w in enumerate(_distinct_words(40))]
    common = {w.lower() for w in _distinct_words(40)} | {"wrote", "about", "item", "today"}
    clean = claim_frames(varied, common, CLAIM_FRAME_LIMIT)
    assert clean["passed"] is True
    templated = varied + [
        f"The Zorvath{c} Courier reported that a {i}." for i, c in enumerate("abcdef")
    ]
    tripped = claim_frames(templated, common | {"reported", "that"}, CLAIM_FRAME_LIMIT)
    assert tripped["passed"] is False
    assert tripped["top"][0] == {"frame": "the <name> reported that", "count": 6, "share": 6 / 46}


def test_the_same_text_counts_once():
    result = claim_frames(["We never met."] * 10 + ["Yes."], {"we", "never", "met", "yes"}, 0.6)
    assert result["texts"] == 2 and result["top_share"] == 0.5


def _distinct_words(n):
    return [f"word{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(n)]


def test_a_name_reused_across_stories_trips_the_name_check():
    records = [
        {
            "group": "g1",
            "claim": "Minister Ruth Abara met the Halvern council.",
            "claim_source": "the gazette",
            "response": "We met.",
            "speaker": "a spokesperson",
        },
        {
            "group": "g1",
            "claim": "Ruth Abara resigned.",
            "claim_source": "the gazette",
            "response": "No.",
            "speaker": "a spokesperson",
        },
        {
            "group": "g2",
            "claim": "The Prime Minister opened a bridge.",
            "claim_source": "the gazette",
            "response": "Ruth Abara was there.",
            "speaker": "a spokesperson",
        },
    ]
    common = {"minister", "prime", "met", "the", "council", "we", "no", "opened", "bridge"}
    result = name_reuse(records, common)
    assert result["passed"] is False
    assert {"name": "Ruth Abara", "stories": 2} in result["worst"]
    # names used within one story only, and ordinary capitalised words, are fine
    names = {w["name"] for w in result["worst"]}
    assert "Halvern" not in names and "Prime Minister" not in names
    assert name_reuse(records[:2], common)["passed"] is True


def test_writing_command_passes_a_varied_corpus_and_fails_a_templated_one(tmp_path, cli):
    clean_dir = write_corpus(tmp_path / "clean", make_records())
    clean = json.loads(cli("corpus", "writing", "--data-dir", clean_dir, "--json").output)
    assert clean["names"]["passed"] is True
    assert clean["claim_frames"]["passed"] is True
    assert clean["response_frames"]["passed"] is True

    def templated(record, rng):
        record["claim"] = "The Zorvath Courier reported that " + record["claim"].lower()

    bad_dir = write_corpus(tmp_path / "bad", make_records(edit=templated))
    out = cli("corpus", "writing", "--data-dir", bad_dir, "--json")
    assert out.exit_code == 1, out.output
    report = json.loads(out.output)
    assert report["claim_frames"]["passed"] is False
    assert report["claim_frames"]["top"][0]["frame"] == "the <name> reported that"
    assert report["names"]["worst"][0] == {"name": "Zorvath Courier", "stories": 24}
    table = cli("corpus", "writing", "--data-dir", bad_dir)
    assert table.exit_code == 1 and "FAIL" in table.output and "Zorvath Courier" in table.output


def test_writing_checks_on_the_planted_corpus_directly(tmp_path):
    directory = write_corpus(tmp_path / "data", make_records())
    result = writing_checks(directory)
    assert set(result) >= {"claim_frames", "response_frames", "names", "unrelated_overlap"}
    assert result["passed"] is all(
        result[k]["passed"]
        for k in ("claim_frames", "response_frames", "names", "unrelated_overlap")
    )


def test_one_word_opening_a_sentence_is_no_name():
    records = [
        {"group": g, "claim": c, "claim_source": "a post", "response": r, "speaker": "an aide"}
        for g, c, r in (
            ("g1", "The mill will close.", "Whether it closes is for the board. Closing? No."),
            ("g2", "The ferry was sold.", "Whether we sell is our business. Closing? Never."),
        )
    ]
    result = name_reuse(records, {"the", "mill", "will", "close", "ferry", "was", "sold"})
    assert result["passed"] is True, result
