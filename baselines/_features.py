"""The pair-feature transformer of the pair baselines.

PairFeatures takes a 2-D input whose first column is the claim and last
column the response (the pipelines' ColumnTransformer passes it the
``claim`` and ``response`` columns in that order). Cells are read as
strings, so it passes scikit-learn's estimator checks on any 2-D array.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from denialbench.corpus._lexicon import CUE_WORDS, NEGATION_WORDS, find_cues
from denialbench.corpus._text import named_tokens

__all__ = ["PAIR_FEATURE_NAMES", "PairFeatures", "pair_features"]

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_STOP = frozenset(
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
        "with",
        "by",
        "from",
        "as",
        "is",
        "was",
        "were",
        "be",
        "been",
        "are",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "his",
        "her",
        "their",
        "our",
        "my",
        "your",
        "said",
        "says",
        "told",
        "reported",
        "report",
        "according",
        "has",
        "have",
        "had",
        "will",
        "would",
        "could",
        "should",
        "may",
        "might",
        "did",
        "do",
        "does",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "why",
        "how",
        "than",
        "then",
        "there",
        "here",
        "also",
        "about",
        "over",
        "after",
        "before",
        "into",
        "out",
        "up",
        "down",
        "very",
        "just",
        "more",
        "most",
        "such",
        "only",
        "own",
        "same",
        "so",
        "too",
        "can",
    ]
)
_EVASION = frozenset(
    [
        "comment",
        "comments",
        "commenting",
        "speculate",
        "speculation",
        "decline",
        "declined",
        "declines",
        "aware",
        "recall",
        "remember",
        "review",
        "reviewing",
        "investigating",
        "looking",
        "matter",
        "ongoing",
        "confirm",
        "confirmed",
        "respond",
        "responded",
        "discuss",
        "discussing",
    ]
)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _content(tokens: list[str]) -> set[str]:
    return {t for t in tokens if t not in _STOP and t not in CUE_WORDS and len(t) > 2}


PAIR_FEATURE_NAMES = (
    "content_overlap_jaccard",
    "claim_content_covered",
    "response_content_in_claim",
    "shared_entities",
    "claim_entities_covered",
    "response_entities_new",
    "numbers_shared",
    "numbers_new",
    "cue_count",
    "negation_count",
    "cue_and_overlap",
    "no_cue_and_new_entities",
    "evasion_words",
    "question_mark",
    "response_words_log",
    "claim_words_log",
)


def pair_features(claim: str, response: str) -> list[float]:
    """The features that need both sides of the pair (see PAIR_FEATURE_NAMES)."""
    c_tok, r_tok = _tokens(claim), _tokens(response)
    c_con, r_con = _content(c_tok), _content(r_tok)
    shared = c_con & r_con
    union = c_con | r_con
    c_ent, r_ent = named_tokens(claim), named_tokens(response)
    c_num, r_num = set(_NUMBER.findall(claim)), set(_NUMBER.findall(response))
    cues = find_cues(response)
    negations = [w for w in cues if w in NEGATION_WORDS]
    overlap = len(shared) / len(union) if union else 0.0
    new_entities = len(r_ent - c_ent)
    return [
        overlap,
        len(shared) / len(c_con) if c_con else 0.0,
        len(shared) / len(r_con) if r_con else 0.0,
        float(len(c_ent & r_ent)),
        len(c_ent & r_ent) / len(c_ent) if c_ent else 0.0,
        float(new_entities),
        float(len(c_num & r_num)),
        float(len(r_num - c_num)),
        float(len(cues)),
        float(len(negations)),
        float(len(cues)) * overlap,
        float(not cues) * float(new_entities > 0),
        float(sum(t in _EVASION for t in r_tok)),
        float("?" in response),
        float(np.log1p(len(r_tok))),
        float(np.log1p(len(c_tok))),
    ]


class PairFeatures(TransformerMixin, BaseEstimator):
    """Dense features of a (claim, response) pair: overlap, entities, cues.

    Parameters
    ----------
    scale : bool, default=True
        Standardise each feature with the mean and spread seen in ``fit``, so
        the features sit on the scale of the TF-IDF blocks beside them.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([["Ana met Bo in Rome", "Ana was in Oslo all week."]], dtype=object)
    >>> PairFeatures(scale=False).fit_transform(X).shape
    (1, 16)
    """

    def __init__(self, scale: bool = True) -> None:
        self.scale = scale

    def _raw(self, X) -> np.ndarray:
        rows = [pair_features(str(row[0]), str(row[-1])) for row in X]
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(PAIR_FEATURE_NAMES))

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=None, ensure_all_finite=False)
        raw = self._raw(X)
        self.mean_ = raw.mean(axis=0) if self.scale else np.zeros(raw.shape[1])
        spread = raw.std(axis=0) if self.scale else np.ones(raw.shape[1])
        self.scale_ = np.where(spread > 0, spread, 1.0)
        return self

    def transform(self, X):
        check_is_fitted(self, "mean_")
        X = validate_data(self, X, dtype=None, ensure_all_finite=False, reset=False)
        return (self._raw(X) - self.mean_) / self.scale_

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"pair__{n}" for n in PAIR_FEATURE_NAMES], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True  # cells are read as text; "nan" is a word
        return tags
