"""Metric functions against scikit-learn's, and the invariances a metric must keep."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from denialbench.eval import CONFUSION_METRICS, PROBABILITY_METRICS, confusion_matrix
from denialbench.eval._metrics import per_label_scores
from strategies import label_pairs, probabilities

LABEL_IDS = [0, 1, 2, 3]

SKLEARN = {
    "macro_f1_score": lambda g, p: skm.f1_score(
        g, p, labels=LABEL_IDS, average="macro", zero_division=0
    ),
    "accuracy_score": skm.accuracy_score,
    "deny_f1_score": lambda g, p: skm.f1_score(g == 0, p == 0, zero_division=0),
    "mcc_score": skm.matthews_corrcoef,
}


@pytest.mark.parametrize("name", sorted(CONFUSION_METRICS))
@given(pair=label_pairs())
def test_confusion_metrics_match_sklearn(name, pair):
    gold, pred = pair
    got = float(CONFUSION_METRICS[name].func(confusion_matrix(gold, pred)))
    with warnings.catch_warnings():  # sklearn warns on degenerate inputs; we compare anyway
        warnings.simplefilter("ignore")
        expected = SKLEARN[name](gold, pred)
    assert got == pytest.approx(expected, abs=1e-12)


@given(pair=label_pairs())
def test_per_label_scores_match_sklearn(pair):
    gold, pred = pair
    ours = per_label_scores(confusion_matrix(gold, pred))
    p, r, f, s = skm.precision_recall_fscore_support(gold, pred, labels=LABEL_IDS, zero_division=0)
    np.testing.assert_allclose(ours["precision"], p, atol=1e-12)
    np.testing.assert_allclose(ours["recall"], r, atol=1e-12)
    np.testing.assert_allclose(ours["f1"], f, atol=1e-12)
    np.testing.assert_array_equal(ours["support"], s)


@settings(max_examples=50)
@given(pair=label_pairs(min_size=4), data=st.data())
def test_probability_metrics_match_sklearn(pair, data):
    gold, _ = pair
    proba = data.draw(probabilities(len(gold)))
    positive = gold == 0
    if positive.all() or not positive.any():
        assert np.isnan(PROBABILITY_METRICS["deny_roc_auc_score"].func(gold, proba))
    else:
        assert PROBABILITY_METRICS["deny_roc_auc_score"].func(gold, proba) == pytest.approx(
            skm.roc_auc_score(positive, proba[:, 0]), abs=1e-12
        )
        assert PROBABILITY_METRICS["deny_average_precision_score"].func(
            gold, proba
        ) == pytest.approx(skm.average_precision_score(positive, proba[:, 0]), abs=1e-12)
    onehot = np.eye(4)[gold]
    assert PROBABILITY_METRICS["brier_score_loss"].func(gold, proba) == pytest.approx(
        float(((proba - onehot) ** 2).sum(axis=1).mean())
    )
    ece = PROBABILITY_METRICS["ece_loss"].func(gold, proba)
    assert 0.0 <= ece <= 1.0


@pytest.mark.parametrize("name", sorted(CONFUSION_METRICS))
@given(pair=label_pairs())
def test_item_order_does_not_matter(name, pair):
    gold, pred = pair
    order = np.random.default_rng(0).permutation(len(gold))
    metric = CONFUSION_METRICS[name].func
    assert metric(confusion_matrix(gold, pred)) == metric(
        confusion_matrix(gold[order], pred[order])
    )


@pytest.mark.parametrize("name", ["macro_f1_score", "accuracy_score", "deny_f1_score", "mcc_score"])
def test_perfect_prediction_scores_one(name):
    gold = np.array([0, 1, 2, 3, 0, 0, 2, 1], dtype=np.int8)
    assert CONFUSION_METRICS[name].func(confusion_matrix(gold, gold)) == pytest.approx(1.0)


def test_names_follow_sklearn_convention():
    for name, metric in {**CONFUSION_METRICS, **PROBABILITY_METRICS}.items():
        assert name.endswith("_score") == metric.greater_is_better
        assert name.endswith("_score") or name.endswith("_loss")


def test_batched_confusions_score_each_matrix():
    rng = np.random.default_rng(3)
    cms = rng.integers(0, 20, size=(7, 4, 4))
    for name, metric in CONFUSION_METRICS.items():
        batched = metric.func(cms)
        assert batched.shape == (7,)
        for i in range(7):
            assert batched[i] == pytest.approx(float(metric.func(cms[i]))), name
