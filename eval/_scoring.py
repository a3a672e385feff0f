"""Scores with bootstrap confidence intervals, and the slices.

Every confusion-matrix metric depends only on the counts of the K*K
(gold, predicted) cells, so resampling N items with replacement is one
multinomial draw over those cells: B resamples cost O(K^2 B), not O(N B).
``tests/eval/test_scoring.py`` checks this against a plain item bootstrap.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from denialbench.corpus._schema import LABELS, TAGS
from denialbench.eval._data import EvalData
from denialbench.eval._metrics import (
    CONFUSION_METRICS,
    PROBABILITY_METRICS,
    K,
    confusion_matrix,
    per_label_scores,
)

__all__ = ["CONFIDENCE", "bootstrap_confusions", "score", "slice_rng"]

CONFIDENCE = 0.95
_SLICE_METRICS = ("accuracy_score", "macro_f1_score", "deny_f1_score")


def slice_rng(seed: int, key: str) -> np.random.Generator:
    """A generator per (seed, key): adding a slice never shifts another's CI."""
    return np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))])


def bootstrap_confusions(cm: np.ndarray, n_bootstrap: int, rng: np.random.Generator) -> np.ndarray:
    """``n_bootstrap`` resampled confusion matrices, shape ``(B, K, K)``."""
    n = int(cm.sum())
    if n == 0 or n_bootstrap == 0:
        return np.zeros((0, *cm.shape), dtype=np.int64)
    draws = rng.multinomial(n, cm.ravel() / n, size=n_bootstrap)
    return draws.reshape(n_bootstrap, *cm.shape)


def _interval(point: float, samples: np.ndarray) -> dict[str, float]:
    if samples.size == 0:
        return {"value": float(point), "ci_low": float(point), "ci_high": float(point)}
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return {"value": float(point), "ci_low": float(low), "ci_high": float(high)}


def _metrics_with_ci(cm, names, n_bootstrap, rng) -> dict[str, dict[str, float]]:
    boot = bootstrap_confusions(cm, n_bootstrap, rng)
    return {
        name: _interval(CONFUSION_METRICS[name].func(cm), CONFUSION_METRICS[name].func(boot))
        for name in names
    }


def _slice_table(cms: np.ndarray, names: list[str], kind: str, n_bootstrap: int, seed: int):
    out = {}
    for name, cm in zip(names, cms, strict=True):
        n = int(cm.sum())
        if n == 0:
            continue
        rng = slice_rng(seed, f"{kind}:{name}")
        out[name] = {"n": n, **_metrics_with_ci(cm, _SLICE_METRICS, n_bootstrap, rng)}
    return out


def _contrast(data: EvalData, correct: np.ndarray, n_bootstrap: int, seed: int):
    """Share of contrast groups (>= 2 gold labels) whose every item is right."""
    if data.group is None:
        return None
    n_groups = int(data.group.max()) + 1 if len(data.group) else 0
    labels_present = np.zeros((n_groups, K), dtype=bool)
    labels_present[data.group, data.gold] = True
    is_contrast = labels_present.sum(axis=1) >= 2
    wrong = np.bincount(data.group, weights=~correct, minlength=n_groups)
    consistent = int(((wrong == 0) & is_contrast).sum())
    total = int(is_contrast.sum())
    if total == 0:
        return {
            "n_groups": 0,
            "value": float("nan"),
            "ci_low": float("nan"),
            "ci_high": float("nan"),
        }
    rng = slice_rng(seed, "contrast")
    samples = rng.binomial(total, consistent / total, size=n_bootstrap) / total
    return {"n_groups": total, **_interval(consistent / total, samples)}


def score(
    data: EvalData,
    pred: np.ndarray,
    proba: np.ndarray | None = None,
    *,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """All metrics, CIs and slices for gold ``data.gold`` and ``pred`` codes."""
    gold = data.gold
    cm = confusion_matrix(gold, pred)
    per_label = per_label_scores(cm)
    result: dict[str, Any] = {
        "metrics": _metrics_with_ci(
            cm, list(CONFUSION_METRICS), n_bootstrap, slice_rng(seed, "overall")
        ),
        "per_label": {
            label: {
                "precision": float(per_label["precision"][i]),
                "recall": float(per_label["recall"][i]),
                "f1": float(per_label["f1"][i]),
                "support": int(per_label["support"][i]),
            }
            for i, label in enumerate(LABELS)
        },
        "confusion_matrix": {"labels": list(LABELS), "matrix": cm.tolist()},
    }
    if proba is not None:
        for name, metric in PROBABILITY_METRICS.items():
            result["metrics"][name] = {"value": metric.func(gold, proba)}

    flat = gold.astype(np.int64) * K + pred.astype(np.int64)
    slices: dict[str, Any] = {}
    for kind, slicing in data.slices.items():
        n_cat = len(slicing.names)
        cms = np.bincount(
            slicing.codes.astype(np.int64) * K * K + flat, minlength=n_cat * K * K
        ).reshape(n_cat, K, K)
        slices[kind] = _slice_table(cms, slicing.names, kind, n_bootstrap, seed)
    if data.tags is not None:
        # one matrix product gives every tag's confusion matrix at once
        onehot = np.zeros((len(flat), K * K), dtype=np.float32)
        onehot[np.arange(len(flat)), flat] = 1.0
        cms = (data.tags.T.astype(np.float32) @ onehot).round().astype(np.int64).reshape(-1, K, K)
        slices["tag"] = _slice_table(cms, list(TAGS), "tag", n_bootstrap, seed)
    result["slices"] = slices
    result["contrast_consistency"] = _contrast(data, gold == pred, n_bootstrap, seed)
    return result
