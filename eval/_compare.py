"""`compare`: a paired bootstrap test on the macro-F1 difference.

The two systems are scored on the same items, so each item falls in one of
K^3 joint (gold, A, B) cells; resampling items is one multinomial draw over
those 64 cells, and both confusion matrices follow from each draw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError
from denialbench.corpus._schema import LABELS
from denialbench.eval._metrics import K, macro_f1_score
from denialbench.eval._result import EvaluationResult
from denialbench.eval._scoring import CONFIDENCE, slice_rng

__all__ = ["compare", "paired_bootstrap"]


def paired_bootstrap(
    gold: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, *, n_bootstrap: int, seed: int
) -> dict[str, Any]:
    joint = np.bincount((gold.astype(np.int64) * K + pred_a) * K + pred_b, minlength=K**3).reshape(
        K, K, K
    )
    cm_a, cm_b = joint.sum(axis=2), joint.sum(axis=1)
    f1_a, f1_b = float(macro_f1_score(cm_a)), float(macro_f1_score(cm_b))
    n = int(joint.sum())
    rng = slice_rng(seed, "compare")
    draws = rng.multinomial(n, joint.ravel() / n, size=n_bootstrap).reshape(-1, K, K, K)
    diffs = macro_f1_score(draws.sum(axis=3)) - macro_f1_score(draws.sum(axis=2))
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    # two-sided: how often a resample lands on the other side of zero
    below = (np.sum(diffs <= 0) + 1) / (n_bootstrap + 1)
    above = (np.sum(diffs >= 0) + 1) / (n_bootstrap + 1)
    return {
        "macro_f1_a": f1_a,
        "macro_f1_b": f1_b,
        "difference": f1_a - f1_b,
        "ci_low": float(low),
        "ci_high": float(high),
        "p_value": float(min(1.0, 2 * min(below, above))),
        "n_items": n,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
    }


def _codes(result: EvaluationResult, key: str) -> dict[str, int]:
    index = {label: i for i, label in enumerate(LABELS)}
    return {p["id"]: index[p[key]] for p in result.predictions}


def _ambiguous_ids(result: EvaluationResult) -> set[str]:
    """Ids a real split leaves out of its headline (none for other data).

    Read from the bundled split the result was scored on; a result of another
    version of the split (its SHA-256 differs) keeps every item.
    """
    data = result.content["data"]
    if data.get("kind") != "split" or not str(data.get("split", "")).startswith("real_"):
        return set()
    from denialbench.eval._data import load_eval_data

    bundled = load_eval_data(data["split"])
    if bundled.source["sha256"] != data["sha256"] or bundled.headline is None:
        return set()
    return set(bundled.id_array()[~bundled.headline].tolist())


def compare(
    a: Path | str, b: Path | str, *, n_bootstrap: int = 10000, seed: int = 0
) -> dict[str, Any]:
    """Compare two result files of the same data; see :func:`paired_bootstrap`."""
    ra, rb = EvaluationResult.load(a), EvaluationResult.load(b)
    if ra.content["data"]["sha256"] != rb.content["data"]["sha256"]:
        raise InputError(
            f"{a} and {b} were scored on different data (SHA-256 differ); compare results "
            "of the same split and corpus version"
        )
    gold_a, pred_a = _codes(ra, "gold"), _codes(ra, "label")
    pred_b = _codes(rb, "label")
    if set(pred_a) != set(pred_b):
        raise InputError(f"{a} and {b} cover different item ids; both need every item")
    ids = sorted(pred_a)
    left_out = _ambiguous_ids(ra)
    if left_out:  # a real split: compare on the headline items, as evaluate scores them
        ids = [i for i in ids if i not in left_out]
    gold = np.array([gold_a[i] for i in ids])
    return {
        "a": str(a),
        "b": str(b),
        **paired_bootstrap(
            gold,
            np.array([pred_a[i] for i in ids]),
            np.array([pred_b[i] for i in ids]),
            n_bootstrap=n_bootstrap,
            seed=seed,
        ),
    }
