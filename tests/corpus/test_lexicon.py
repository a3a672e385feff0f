from __future__ import annotations

import pytest
from hypothesis import given

from denialbench.corpus import CUE_WORDS, find_cues, has_cue
from strategies import texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("There was no conversation.", ["no"]),
        ("This is completely untrue, it is pure fiction.", ["untrue", "fiction"]),
        ("We didn't meet and won’t meet.", ["n't", "n't"]),
        ("DENIED. Fake news!", ["denied", "fake"]),
        ("The minister was in Brussels all week.", []),
        ("Notable notes on knotty nodes", []),  # whole words only: "Notable" is not "not"
        ("nothing, none, nobody", ["nothing", "none", "nobody"]),
    ],
)
def test_find_cues(text, expected):
    assert find_cues(text) == expected


def test_lexicon_holds_the_issue_words():
    for word in (
        "deny",
        "denied",
        "denies",
        "false",
        "untrue",
        "fiction",
        "fake",
        "baseless",
        "nonsense",
        "never",
        "not",
        "no",
        "wrong",
        "incorrect",
        "lie",
        "rumour",
        "hoax",
        "fabricated",
        "unfounded",
    ):
        assert word in CUE_WORDS


@given(texts)
def test_has_cue_agrees_with_find_cues(text):
    assert has_cue(text) == bool(find_cues(text))


@given(texts)
def test_cues_are_lexicon_words(text):
    assert all(w in CUE_WORDS or w == "n't" for w in find_cues(text))
