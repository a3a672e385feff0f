"""Metrics, computed from confusion matrices so they vectorise over resamples.

Every confusion-matrix metric here takes an array ``cm`` of shape
``(..., K, K)`` (rows gold, columns predicted) and returns an array of shape
``(...)``: one call scores the point estimate and all bootstrap resamples.
Conventions follow scikit-learn: ``*_score`` is better when higher,
``*_loss`` when lower; a ratio with a zero denominator counts as 0, like
``zero_division=0``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from denialbench.corpus._schema import LABELS

__all__ = [
    "CONFUSION_METRICS",
    "PROBABILITY_METRICS",
    "confusion_matrix",
    "per_label_scores",
]

K = len(LABELS)
DENY = LABELS.index("deny")


def confusion_matrix(gold: np.ndarray, pred: np.ndarray, k: int = K) -> np.ndarray:
    """Counts of (gold, predicted) pairs as an int64 ``(k, k)`` matrix."""
    flat = gold.astype(np.int64) * k + pred.astype(np.int64)
    return np.bincount(flat, minlength=k * k).reshape(k, k)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def per_label_scores(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support per label, each shaped ``(..., K)``."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1).astype(np.float64)
    predicted = cm.sum(axis=-2)
    support = cm.sum(axis=-1)
    precision = _safe_div(tp, predicted)
    recall = _safe_div(tp, support)
    f1 = _safe_div(2 * tp, predicted + support)  # = 2PR/(P+R), exact at P=R=0
    return {"precision": precision, "recall": recall, "f1": f1, "support": support}


def macro_f1_score(cm: np.ndarray) -> np.ndarray:
    return per_label_scores(cm)["f1"].mean(axis=-1)


def accuracy_score(cm: np.ndarray) -> np.ndarray:
    return _safe_div(np.trace(cm, axis1=-2, axis2=-1), cm.sum(axis=(-2, -1)))


def deny_f1_score(cm: np.ndarray) -> np.ndarray:
    """F1 of the binary view: deny vs everything else."""
    tp = cm[..., DENY, DENY]
    return _safe_div(2 * tp, cm[..., :, DENY].sum(axis=-1) + cm[..., DENY, :].sum(axis=-1))


def mcc_score(cm: np.ndarray) -> np.ndarray:
    """Multiclass Matthews correlation (Gorodkin's R_K, as scikit-learn)."""
    cm = cm.astype(np.float64)
    t = cm.sum(axis=-1)
    p = cm.sum(axis=-2)
    c = np.trace(cm, axis1=-2, axis2=-1)
    s = cm.sum(axis=(-2, -1))
    cov_ytyp = c * s - (t * p).sum(axis=-1)
    cov_ypyp = s**2 - (p * p).sum(axis=-1)
    cov_ytyt = s**2 - (t * t).sum(axis=-1)
    return _safe_div(cov_ytyp, np.sqrt(cov_ytyt * cov_ypyp))


@dataclass(frozen=True)
class Metric:
    name: str
    # Any: a confusion metric returns an array of shape (...) (0-d for one
    # matrix), a probability metric a float
    func: Callable[..., Any]
    greater_is_better: bool
    description: str


CONFUSION_METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("macro_f1_score", macro_f1_score, True, "Macro-averaged F1 over the four labels"),
        Metric("accuracy_score", accuracy_score, True, "Share of items labelled right"),
        Metric("deny_f1_score", deny_f1_score, True, "F1 of deny vs the rest"),
        Metric("mcc_score", mcc_score, True, "Matthews correlation, multiclass"),
    )
}


# ---------------------------------------------------------------- probabilities


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks with ties averaged (scipy's rankdata, without importing scipy.stats)."""
    order = np.argsort(values, kind="mergesort")
    _, inverse, counts = np.unique(values[order], return_inverse=True, return_counts=True)
    tie_mean = np.cumsum(counts) - (counts - 1) / 2
    ranks = np.empty(len(values))
    ranks[order] = tie_mean[inverse]
    return ranks


def deny_roc_auc_score(gold: np.ndarray, proba: np.ndarray) -> float:
    """ROC AUC of p(deny) for deny vs rest, via the rank-sum formula (ties averaged)."""
    positive = gold == DENY
    n_pos = int(positive.sum())
    n_neg = len(gold) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = _average_ranks(proba[:, DENY])
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def deny_average_precision_score(gold: np.ndarray, proba: np.ndarray) -> float:
    """Average precision of p(deny), with scikit-learn's step-wise definition."""
    scores = proba[:, DENY]
    positive = (gold == DENY).astype(np.float64)
    n_pos = positive.sum()
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-scores, kind="mergesort")
    scores, positive = scores[order], positive[order]
    # one threshold per distinct score: take the last index of each run of ties
    last = np.r_[np.flatnonzero(np.diff(scores) != 0), len(scores) - 1]
    tps = np.cumsum(positive)[last]
    precision = tps / (last + 1)
    recall = tps / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def brier_score_loss(gold: np.ndarray, proba: np.ndarray) -> float:
    """Multiclass Brier score: mean over items of the squared error summed over labels."""
    onehot = np.zeros_like(proba)
    onehot[np.arange(len(gold)), gold] = 1.0
    return float(((proba - onehot) ** 2).sum(axis=1).mean())


def ece_loss(gold: np.ndarray, proba: np.ndarray, n_bins: int = 15) -> float:
    """Expected calibration error of the top-label confidence, equal-width bins."""
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == gold).astype(np.float64)
    bins = np.minimum((confidence * n_bins).astype(np.int64), n_bins - 1)
    conf_sum = np.bincount(bins, weights=confidence, minlength=n_bins)
    acc_sum = np.bincount(bins, weights=correct, minlength=n_bins)
    return float(np.abs(conf_sum - acc_sum).sum() / max(len(gold), 1))


def reliability_bins(gold: np.ndarray, proba: np.ndarray, n_bins: int = 15):
    """Per-bin (mean confidence, accuracy, count) for the reliability diagram."""
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == gold).astype(np.float64)
    bins = np.minimum((confidence * n_bins).astype(np.int64), n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    conf = _safe_div(np.bincount(bins, weights=confidence, minlength=n_bins), count)
    acc = _safe_div(np.bincount(bins, weights=correct, minlength=n_bins), count)
    return conf, acc, count


PROBABILITY_METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("deny_roc_auc_score", deny_roc_auc_score, True, "ROC AUC of p(deny), deny vs rest"),
        Metric(
            "deny_average_precision_score",
            deny_average_precision_score,
            True,
            "Average precision of p(deny)",
        ),
        Metric("brier_score_loss", brier_score_loss, False, "Multiclass Brier score"),
        Metric("ece_loss", ece_loss, False, "Expected calibration error, 15 bins"),
    )
}
