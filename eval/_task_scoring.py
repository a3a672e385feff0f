"""Task scores: macro-F1 over a task's labels, native scores, the binary view.

Everything is computed from one *joint* count matrix ``J`` of shape
``(n_native, K)``: rows the release's own gold labels, columns the
DenialBench prediction. The DenialBench confusion matrix is ``M.T @ J``
(``M`` maps native to DenialBench labels), and the native scores need the
native rows. Resampling items is one multinomial draw over the cells of
``J``, so every score of one resample comes from the same items.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from denialbench.corpus._schema import LABELS
from denialbench.eval._metrics import K, per_label_scores
from denialbench.eval._scoring import bootstrap_confusions, slice_rng

__all__ = ["TASK_SCORES", "joint_counts", "task_scores"]

DENY = LABELS.index("deny")
_UNRELATED = LABELS.index("unrelated")


def joint_counts(native_codes: np.ndarray, n_native: int, pred: np.ndarray) -> np.ndarray:
    """Counts of (native gold, DenialBench prediction), shape ``(n_native, K)``."""
    flat = native_codes.astype(np.int64) * K + pred.astype(np.int64)
    return np.bincount(flat, minlength=n_native * K).reshape(n_native, K)


def _cm(joint: np.ndarray, to_label: np.ndarray) -> np.ndarray:
    """The DenialBench confusion matrix(es) from joint counts ``(..., n_native, K)``."""
    onehot = np.zeros((len(to_label), K), dtype=np.int64)
    onehot[np.arange(len(to_label)), to_label] = 1
    return np.einsum("nk,...np->...kp", onehot, joint)


def present_macro_f1(cm: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Macro-F1 over the labels in ``present`` only (scikit-learn's ``labels=``).

    A prediction of a label outside ``present`` still costs the gold label's
    recall: it counts as wrong.
    """
    return per_label_scores(cm)["f1"][..., present].mean(axis=-1)


def _deny_binary(cm: np.ndarray) -> dict[str, np.ndarray]:
    tp = cm[..., DENY, DENY].astype(np.float64)
    predicted = cm[..., :, DENY].sum(axis=-1)
    actual = cm[..., DENY, :].sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / np.maximum(predicted, 1), 0.0)
        recall = np.where(actual > 0, tp / np.maximum(actual, 1), 0.0)
        f1 = np.where(predicted + actual > 0, 2 * tp / np.maximum(predicted + actual, 1), 0.0)
    return {
        "deny_f1_score": f1,
        "deny_precision_score": precision,
        "deny_recall_score": recall,
    }


def fnc1_relative_score(cm: np.ndarray) -> np.ndarray:
    """The FNC-1 weighted score as a share of its maximum, from DenialBench counts.

    0.25 per item whose related/unrelated decision is right, plus 0.75 per
    related item whose class is right; the maximum is 0.25 per unrelated
    item plus 1.0 per related one.
    """
    related = [i for i in range(K) if i != _UNRELATED]
    rr = cm[..., related, :][..., :, related]
    earned = (
        0.25 * cm[..., _UNRELATED, _UNRELATED]
        + 0.25 * rr.sum(axis=(-2, -1))
        + 0.75 * np.trace(rr, axis1=-2, axis2=-1)
    )
    best = 0.25 * cm[..., _UNRELATED, :].sum(axis=-1) + cm[..., related, :].sum(axis=(-2, -1))
    return np.where(best > 0, earned / np.maximum(best, 1e-12), 0.0)


_RUMOUREVAL_NATIVE = ("support", "deny", "query", "comment")
# what the official scorer sees for each DenialBench prediction (see the task's notes)
_RUMOUREVAL_SUBMITTED = {"deny": "deny", "confirm": "support", "evade": "comment"}


def rumoureval_macro_f1(joint: np.ndarray, native_names: list[str]) -> np.ndarray:
    """Official RumourEval macro-F1 over its four classes, evade submitted as comment."""
    n4 = len(_RUMOUREVAL_NATIVE)
    submitted = np.array(
        [_RUMOUREVAL_NATIVE.index(_RUMOUREVAL_SUBMITTED.get(label, "comment")) for label in LABELS]
    )
    rows = np.array([_RUMOUREVAL_NATIVE.index(n) for n in native_names])
    native_cm = np.zeros((*joint.shape[:-2], n4, n4), dtype=np.int64)
    for i, r in enumerate(rows):
        for p in range(K):
            native_cm[..., r, submitted[p]] += joint[..., i, p]
    return per_label_scores(native_cm)["f1"].mean(axis=-1)


TASK_SCORES = (
    "macro_f1_score",
    "accuracy_score",
    "deny_f1_score",
    "deny_precision_score",
    "deny_recall_score",
    "fnc1_relative_score",
    "rumoureval_macro_f1_score",
)


def _all_scores(
    joint: np.ndarray, to_label: np.ndarray, native_names: list[str], present: np.ndarray
) -> dict[str, np.ndarray]:
    cm = _cm(joint, to_label)
    total = cm.sum(axis=(-2, -1))
    out = {
        "macro_f1_score": present_macro_f1(cm, present),
        "accuracy_score": np.where(
            total > 0, np.trace(cm, axis1=-2, axis2=-1) / np.maximum(total, 1), 0.0
        ),
        **_deny_binary(cm),
    }
    return out


def task_scores(
    task: Any,
    native_codes: np.ndarray,
    native_names: list[str],
    pred: np.ndarray,
    *,
    n_bootstrap: int,
    seed: int,
) -> dict[str, dict[str, float]]:
    """Every score of a task with percentile bootstrap CIs (same resamples for all)."""
    from denialbench.eval._scoring import CONFIDENCE

    to_label = np.array([LABELS.index(task.label_mapping[n]) for n in native_names])
    present = np.array([LABELS.index(label) for label in task.labels])
    joint = joint_counts(native_codes, len(native_names), pred)
    boot = bootstrap_confusions(joint, n_bootstrap, slice_rng(seed, f"task:{task.name}"))
    point = _all_scores(joint, to_label, native_names, present)
    samples = _all_scores(boot, to_label, native_names, present)
    if task.native_score == "fnc1_relative_score":
        point["fnc1_relative_score"] = fnc1_relative_score(_cm(joint, to_label))
        samples["fnc1_relative_score"] = fnc1_relative_score(_cm(boot, to_label))
    if task.native_score == "rumoureval_macro_f1_score":
        point["rumoureval_macro_f1_score"] = rumoureval_macro_f1(joint, native_names)
        samples["rumoureval_macro_f1_score"] = rumoureval_macro_f1(boot, native_names)
    tail = (1 - CONFIDENCE) / 2 * 100
    out = {}
    for name in TASK_SCORES:
        if name not in point:
            continue
        value = float(point[name])
        if n_bootstrap and len(samples[name]):
            low, high = np.percentile(samples[name], [tail, 100 - tail])
        else:
            low = high = value
        out[name] = {"value": value, "ci_low": float(low), "ci_high": float(high)}
    return out
