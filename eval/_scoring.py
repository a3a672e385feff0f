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
    per_label_scores,
)

__all__ = ["CONFIDENCE", "bootstrap_confusions", "score", "slice_rng"]

CONFIDENCE = 0.95
_SLICE_METRICS = ("accuracy_score", "macro_f1_score", "deny_f1_score")
# A slice whose gold labels are all one class (e.g. deny/explicit, or the
# no_cue tag) has no other class to confuse: its macro-F1 is bounded by 1/K and
# its deny-F1 is 0 or a restated accuracy, so only accuracy is reported.
_SINGLE_LABEL_METRICS = ("accuracy_score",)


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
        gold_present = np.flatnonzero(cm.sum(axis=1))
        if len(gold_present) == 1:
            out[name] = {
                "n": n,
                "gold_label": LABELS[int(gold_present[0])],
                **_metrics_with_ci(cm, _SINGLE_LABEL_METRICS, n_bootstrap, rng),
            }
        else:
            out[name] = {"n": n, **_metrics_with_ci(cm, _SLICE_METRICS, n_bootstrap, rng)}
    return out


def _contrast(data: EvalData, correct: np.ndarray, n_bootstrap: int, seed: int):
    """Share of contrast groups (>= 2 gold labels) whose every item is right."""
    if data.group is None:
        return None
    n_groups = int(data.group.max()) + 1 if len(data.group) else 0
    group = data.group.astype(np.int64, copy=False)
    labels_present = np.bincount(group * K + data.gold, minlength=n_groups * K).reshape(-1, K)
    is_contrast = (labels_present > 0).sum(axis=1) >= 2
    wrong = np.bincount(group[~correct], minlength=n_groups)
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


def _tag_confusions(tag_sets: np.ndarray, n_tags: int, flat: np.ndarray) -> np.ndarray:
    """Every tag's confusion matrix from one pass over the items.

    ``tag_sets`` packs each item's tags into one integer (a bit per tag); one
    bincount over (tag set, cell) pairs gives the counts per tag set, and a
    tag's matrix is the sum over the sets that contain it.
    """
    per_set = np.bincount(tag_sets * (K * K) + flat, minlength=(1 << n_tags) * K * K)
    per_set = per_set.reshape(1 << n_tags, K * K)
    sets = np.arange(1 << n_tags)
    return np.stack([per_set[(sets >> t) & 1 == 1].sum(axis=0) for t in range(n_tags)]).reshape(
        n_tags, K, K
    )


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
    flat = gold.astype(np.int64) * K + pred  # the (gold, predicted) cell of each item
    counted = flat if data.headline is None else flat[data.headline]
    cm = np.bincount(counted, minlength=K * K).reshape(K, K)
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
        keep = slice(None) if data.headline is None else data.headline
        for name, metric in PROBABILITY_METRICS.items():
            result["metrics"][name] = {"value": metric.func(gold[keep], proba[keep])}

    slices: dict[str, Any] = {}
    for kind, slicing in data.slices.items():
        n_cat = len(slicing.names)
        cms = np.bincount(
            slicing.codes.astype(np.int64) * K * K + flat, minlength=n_cat * K * K
        ).reshape(n_cat, K, K)
        slices[kind] = _slice_table(cms, slicing.names, kind, n_bootstrap, seed)
    if data.tags is not None:
        slices["tag"] = _slice_table(
            _tag_confusions(data.tag_sets(), data.tags.shape[1], flat),
            list(TAGS),
            "tag",
            n_bootstrap,
            seed,
        )
    result["slices"] = slices
    result["contrast_consistency"] = _contrast(data, gold == pred, n_bootstrap, seed)
    return result
