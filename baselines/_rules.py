"""`cue_rules`: what a keyword spotter gets, as a transparent classifier."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from denialbench.corpus._lexicon import find_cues
from denialbench.corpus._text import named_tokens

__all__ = ["CueRulesClassifier"]

_EVASIVE = (
    "comment",
    "speculat",
    "declin",
    "not aware",
    "recall",
    "look into",
    "looking into",
    "review",
    "investigat",
    "?",
)


class CueRulesClassifier(ClassifierMixin, BaseEstimator):
    """Fixed rules over the denial-cue lexicon; ``fit`` learns only the labels.

    In order, for each (claim, response):

    1. an evasion marker ("comment", "speculat", "not aware", "?", ...) -> evade;
    2. any denial-cue word (deny, false, not, never, n't, ...) -> deny;
    3. the response names an entity of the claim -> confirm;
    4. otherwise -> unrelated.

    A label absent from the training labels falls back to the most frequent
    one, so the classifier always predicts a label it has seen.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"claim": ["Ann met Bo"], "response": ["That is false."]})
    >>> CueRulesClassifier().fit(X, ["deny"]).predict(X).tolist()
    ['deny']
    """

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=None, ensure_all_finite=False)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def _rule(self, claim: str, response: str) -> str:
        lowered = response.lower()
        if any(marker in lowered for marker in _EVASIVE):
            return "evade"
        if find_cues(response):
            return "deny"
        if named_tokens(claim) & named_tokens(response):
            return "confirm"
        return "unrelated"

    def predict(self, X):
        check_is_fitted(self, "classes_")
        X = validate_data(self, X, dtype=None, ensure_all_finite=False, reset=False)
        known = set(self.classes_.tolist())
        out = []
        for row in X:
            label = self._rule(str(row[0]), str(row[-1]))
            out.append(label if label in known else self.majority_)
        return np.asarray(out, dtype=self.classes_.dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags
