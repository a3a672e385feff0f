"""Text helpers shared by the corpus checks and the pair baselines."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = [
    "char_ngram_jaccard_pairs",
    "named_tokens",
    "normalise",
    "word_count",
]

# Capitalised words that start sentences or titles rather than name an entity.
_NOT_NAMES = frozenset(
    [
        "The",
        "This",
        "That",
        "These",
        "Those",
        "We",
        "Our",
        "Us",
        "It",
        "Its",
        "He",
        "She",
        "They",
        "His",
        "Her",
        "Their",
        "Them",
        "I",
        "A",
        "An",
        "In",
        "On",
        "At",
        "And",
        "But",
        "As",
        "For",
        "If",
        "There",
        "What",
        "Who",
        "Why",
        "How",
        "Yes",
        "No",
        "Mr",
        "Ms",
        "Mrs",
        "Dr",
        "So",
        "Any",
        "All",
        "When",
        "Asked",
        "Speaking",
        "Sources",
        "Let",
        "Not",
        "Nor",
        "Neither",
        "None",
        "Nothing",
        "Never",
        "According",
        "Officials",
        "Reports",
        "Report",
        "Today",
        "Yesterday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "One",
        "Two",
        "Three",
        "After",
        "Before",
        "While",
        "Some",
        "Every",
        "Last",
        "Next",
        "First",
        "Second",
        "Well",
        "Sure",
        "Oh",
        "Look",
        "Frankly",
        "Honestly",
        "Again",
    ]
)
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’-]{2,}")
_SPACE = re.compile(r"\s+")
_POSSESSIVE = re.compile(r"['’]s?$")


def normalise(text: str) -> str:
    """Lower-case and collapse whitespace, for duplicate detection."""
    return _SPACE.sub(" ", text.lower()).strip()


def word_count(text: str) -> int:
    return len(text.split())


def named_tokens(text: str) -> set[str]:
    """Capitalised tokens that likely name a person, place or organisation.

    A cheap stand-in for named-entity recognition: good enough to tell whether
    two texts mention the same invented people, which is all the corpus check
    and the pair features need.

    >>> sorted(named_tokens("The Kremlin said Peskov was in Moscow."))
    ['Kremlin', 'Moscow', 'Peskov']
    """
    return {_POSSESSIVE.sub("", w) for w in _NAME.findall(text) if w not in _NOT_NAMES}


def _ngram_matrix(texts: Sequence[str], n: int):
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(
        analyzer="char",
        ngram_range=(n, n),
        n_features=1 << 22,
        binary=True,
        norm=None,
        alternate_sign=False,
        preprocessor=normalise,
    )
    return vectorizer.transform(texts).astype(np.float32).tocsr()


def char_ngram_jaccard_pairs(
    left: Sequence[str],
    right: Sequence[str] | None = None,
    *,
    threshold: float = 0.8,
    n: int = 5,
    block: int = 512,
) -> list[tuple[int, int, float]]:
    """Return ``(i, j, jaccard)`` for pairs at or above ``threshold``.

    Jaccard similarity is over the sets of character ``n``-grams of the
    normalised texts. With ``right=None`` the pairs are within ``left`` (i < j).
    The intersection sizes come from one sparse product per block of rows, so
    a few thousand texts take well under a second.
    """
    a = _ngram_matrix(left, n)
    same = right is None
    b = a if right is None else _ngram_matrix(right, n)
    size_a = np.asarray(a.sum(axis=1)).ravel()
    size_b = np.asarray(b.sum(axis=1)).ravel()
    bt = b.T.tocsc()
    pairs: list[tuple[int, int, float]] = []
    for start in range(0, a.shape[0], block):
        inter = (a[start : start + block] @ bt).toarray()
        union = size_a[start : start + block, None] + size_b[None, :] - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            jac = np.where(union > 0, inter / union, 0.0)
        rows, cols = np.nonzero(jac >= threshold)
        for r, c in zip(rows, cols, strict=True):
            i = start + int(r)
            if same and c <= i:
                continue
            pairs.append((i, int(c), float(jac[r, c])))
    return pairs
