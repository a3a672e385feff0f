"""The denial-cue lexicon: the words a keyword spotter would look for.

The corpus quotas (share of cue-free denials, share of cue-bearing non-denials)
and the ``cue_rules`` baseline are both defined over this one list, so the
benchmark's claim "cues do not give the label away" is measured against the
same words a naive model would use.
"""

from __future__ import annotations

import re

__all__ = ["CUE_WORDS", "NEGATION_WORDS", "find_cues", "has_cue"]

#: Whole words (case-insensitive) that signal denial to a keyword spotter.
CUE_WORDS: frozenset[str] = frozenset(
    [
        "deny",
        "denies",
        "denied",
        "denying",
        "denial",
        "denials",
        "false",
        "falsely",
        "falsehood",
        "falsehoods",
        "untrue",
        "untruth",
        "untruths",
        "fiction",
        "fictional",
        "fictitious",
        "fake",
        "fakes",
        "faked",
        "baseless",
        "nonsense",
        "never",
        "not",
        "no",
        "wrong",
        "wrongly",
        "incorrect",
        "incorrectly",
        "lie",
        "lies",
        "lied",
        "lying",
        "liar",
        "liars",
        "rumour",
        "rumours",
        "rumor",
        "rumors",
        "hoax",
        "hoaxes",
        "fabricated",
        "fabrication",
        "fabrications",
        "unfounded",
        "groundless",
        "inaccurate",
        "misleading",
        "erroneous",
        "nothing",
        "none",
        "nobody",
        "neither",
        "nor",
        "myth",
        "myths",
        "refute",
        "refutes",
        "refuted",
        "reject",
        "rejects",
        "rejected",
        "dismiss",
        "dismisses",
        "dismissed",
        "dispute",
        "disputes",
        "disputed",
        "absurd",
        "ridiculous",
    ]
)

#: The subset that is grammatical negation; used for negation features.
NEGATION_WORDS: frozenset[str] = frozenset(
    ["not", "no", "never", "nothing", "none", "nobody", "neither", "nor", "n't"]
)

# "n't" is matched as a suffix ("didn't", "wasn't", "can't"): a contraction is
# as much a negation cue as "not", and a spotter would catch it.
_CONTRACTION = re.compile(r"[a-z]n['’]t\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z]+(?:['’][a-z]+)?", re.IGNORECASE)


def find_cues(text: str) -> list[str]:
    """Return the cue words found in ``text``, in order, lower-cased.

    Examples
    --------
    >>> find_cues("That is pure fiction, and we didn't meet.")
    ['fiction', "n't"]
    >>> find_cues("The minister was in Brussels all week.")
    []
    """
    found: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0).lower().replace("’", "'")
        if word in CUE_WORDS:
            found.append(word)
        elif _CONTRACTION.search(word + " "):
            found.append("n't")
    return found


def has_cue(text: str) -> bool:
    """Return True when ``text`` contains any word of :data:`CUE_WORDS`."""
    return bool(find_cues(text))
