"""Predictions files: the route for a model in any language.

Format: JSONL or CSV with ``id`` and ``label`` (a label name or ClassLabel
id), and optionally all four of ``p_deny``, ``p_confirm``, ``p_evade``,
``p_unrelated``. Every id of the evaluated data must appear exactly once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from denialbench._errors import PredictionsFileError
from denialbench.corpus._schema import LABELS
from denialbench.eval._data import EvalData, encode_labels, repeated_rows
from denialbench.eval._tables import read_table

__all__ = ["PREDICTION_SUFFIXES", "PROBA_COLUMNS", "read_predictions"]

PREDICTION_SUFFIXES = frozenset({".jsonl", ".csv", ".json"})
PROBA_COLUMNS = tuple(f"p_{label}" for label in LABELS)


def read_predictions(path: Path | str, data: EvalData) -> tuple[np.ndarray, np.ndarray | None]:
    """Read ``path`` and return label codes (and probabilities) in ``data``'s order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    tf = read_table(path, error=PredictionsFileError, required=("id", "label"))
    table = tf.table
    ids = table.column("id")
    if ids.null_count:
        row = int(np.flatnonzero(ids.is_null().to_numpy(zero_copy_only=False))[0])
        raise tf.fail(row, "'id' is missing")
    ids = ids.cast(pa.string())
    position = pc.index_in(ids, value_set=pa.array(data.ids, type=pa.string()))
    unknown = position.is_null().to_numpy(zero_copy_only=False)
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        raise tf.fail(
            row,
            f"unknown id {ids[row].as_py()!r} ({int(unknown.sum())} id(s) not in the evaluated "
            "data); check the split or --data",
        )
    position = position.to_numpy(zero_copy_only=False).astype(np.int64)
    repeated = repeated_rows(position)
    if repeated.size:
        row = int(repeated[0])
        raise tf.fail(row, f"duplicate prediction for id {ids[row].as_py()!r}")
    seen = np.bincount(position, minlength=len(data))
    if (seen == 0).any():
        missing = data.ids[seen == 0]
        shown = ", ".join(repr(m) for m in missing[:5])
        raise tf.fail(
            None,
            f"{len(missing)} id(s) have no prediction, e.g. {shown}; every item needs exactly one",
        )
    labels = table.column("label")
    if labels.null_count:
        row = int(np.flatnonzero(labels.is_null().to_numpy(zero_copy_only=False))[0])
        raise tf.fail(row, "'label' is missing")
    codes = encode_labels(labels, what="label", fail=tf.fail)
    order = np.empty(len(data), dtype=np.int64)
    order[position] = np.arange(len(position))
    proba = _read_proba(tf)
    return codes[order], (proba[order] if proba is not None else None)


def _read_proba(tf) -> np.ndarray | None:
    present = [c for c in PROBA_COLUMNS if c in tf.table.column_names]
    if not present:
        return None
    if len(present) != len(PROBA_COLUMNS):
        missing = sorted(set(PROBA_COLUMNS) - set(present))
        raise tf.fail(None, f"probability columns need all four; missing {', '.join(missing)}")
    proba = np.column_stack(
        [
            tf.table.column(c).to_numpy(zero_copy_only=False).astype(np.float64)
            for c in PROBA_COLUMNS
        ]
    )
    bad = np.flatnonzero(~np.isfinite(proba).all(axis=1))
    if bad.size:
        raise tf.fail(int(bad[0]), "a probability is missing, NaN or infinite")
    off = np.flatnonzero((np.abs(proba.sum(axis=1) - 1) > 1e-3) | (proba < 0).any(axis=1))
    if off.size:
        raise tf.fail(
            int(off[0]),
            f"probabilities must be non-negative and sum to 1 (this row sums to "
            f"{proba[off[0]].sum():.4f})",
        )
    return proba
