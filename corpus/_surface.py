"""Surface numbers of a claim/response pair: what a model can use without reading.

The shortcut probes (:mod:`denialbench.corpus._probes`) and the writing checks
(:mod:`denialbench.corpus._writing_checks`) both ask how far such numbers go;
they share these definitions so the two reports measure the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from denialbench.corpus._lexicon import CUE_WORDS
from denialbench.corpus._text import named_tokens

__all__ = ["OVERLAP_FEATURE_NAMES", "SHALLOW_FEATURE_NAMES", "overlap_features", "shallow_features"]

_WORD = re.compile(r"[a-z0-9][a-z0-9'’-]*")
_FIRST_PERSON = frozenset(["i", "me", "my", "mine", "we", "us", "our", "ours", "myself"])
# Function words carry no topic, so they would make every pair look related.
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "has",
        "have",
        "had",
        "will",
        "would",
        "not",
        "no",
        "he",
        "she",
        "they",
        "his",
        "her",
        "their",
        "them",
        "we",
        "our",
        "us",
        "i",
        "my",
        "you",
        "your",
        "said",
        "says",
    ]
)

OVERLAP_FEATURE_NAMES: tuple[str, ...] = (
    "shared_words",
    "shared_word_share",
    "shared_names",
    "shared_name_share",
)

SHALLOW_FEATURE_NAMES: tuple[str, ...] = (
    "claim_words",
    "response_words",
    *OVERLAP_FEATURE_NAMES,
    "response_claim_length_ratio",
    "question_marks",
    "quotes",
    "commas",
    "digits",
    "first_person_words",
    "cue_words",
    "claim_cue_words",
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _content(words: list[str]) -> set[str]:
    return {w for w in words if w not in _STOP_WORDS}


def _overlap_row(claim: str, response: str) -> list[float]:
    claim_words, response_words = _content(_words(claim)), _content(_words(response))
    shared = claim_words & response_words
    claim_names, response_names = named_tokens(claim), named_tokens(response)
    shared_names = claim_names & response_names
    return [
        float(len(shared)),
        len(shared) / max(len(response_words), 1),
        float(len(shared_names)),
        len(shared_names) / max(len(response_names), 1),
    ]


def overlap_features(claims: Sequence[str], responses: Sequence[str]) -> np.ndarray:
    """Word and name overlap between each claim and its response, ``(n, 4)``.

    Shares are over the response's content words and names, so a long claim
    cannot inflate them.
    """
    rows = [_overlap_row(c, r) for c, r in zip(claims, responses, strict=True)]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(OVERLAP_FEATURE_NAMES))


def _shallow_row(claim: str, response: str) -> list[float]:
    claim_words, response_words = _words(claim), _words(response)
    return [
        float(len(claim_words)),
        float(len(response_words)),
        *_overlap_row(claim, response),
        len(response_words) / max(len(claim_words), 1),
        float(response.count("?")),
        float(sum(response.count(q) for q in "\"“”‘’'")),
        float(response.count(",")),
        float(sum(ch.isdigit() for ch in response)),
        float(sum(w in _FIRST_PERSON for w in response_words)),
        float(sum(w in CUE_WORDS for w in response_words)),
        float(sum(w in CUE_WORDS for w in claim_words)),
    ]


def shallow_features(claims: Sequence[str], responses: Sequence[str]) -> np.ndarray:
    """The 14 surface numbers of :data:`SHALLOW_FEATURE_NAMES`, ``(n, 14)``.

    >>> shallow_features(["Peskov met Trump."], ["We never met Trump?"]).shape
    (1, 14)
    """
    rows = [_shallow_row(c, r) for c, r in zip(claims, responses, strict=True)]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(SHALLOW_FEATURE_NAMES))
