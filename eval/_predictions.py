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
from denialbench.eval._arrow import null_rows, numeric
from denialbench.eval._data import EvalData, encode_labels, repeated_rows
from denialbench.eval._table_files import read_table

__all__ = ["PREDICTION_SUFFIXES", "PROBA_COLUMNS", "read_predictions"]

PREDICTION_SUFFIXES = frozenset({".jsonl", ".csv", ".json"})
PROBA_COLUMNS = tuple(f"p_{label}" for label in LABELS)


def read_predictions(path: Path | str, data: EvalData) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Read ``path``: label codes and probabilities (or None) in ``data``'s order, and the
    file's SHA-256 (hashed from the bytes read, so the file is read once)."""
    import pyarrow as pa

    tf = read_table(path, error=PredictionsFileError, required=("id", "label"))
    table = tf.table
    ids = table.column("id")
    if ids.null_count:
        row = int(null_rows(ids)[0])
        raise tf.fail(row, "'id' is missing")
    ids = ids.cast(pa.string()).combine_chunks()
    # rows in the data's order are the common case, and need no hash join
    order = None if ids.equals(data.id_column()) else _match_ids(tf, ids, data)
    labels = table.column("label")
    if labels.null_count:
        row = int(null_rows(labels)[0])
        raise tf.fail(row, "'label' is missing")
    codes = encode_labels(labels, what="label", fail=tf.fail)
    proba = _read_proba(tf)
    if order is not None:
        codes, proba = codes[order], (proba[order] if proba is not None else None)
    return codes, proba, tf.sha256()


def _match_ids(tf, ids, data: EvalData) -> np.ndarray:
    """For each item of ``data``, the predictions row holding its id; refuse gaps and repeats."""
    import pyarrow.compute as pc

    position = pc.index_in(ids, value_set=data.id_column())
    if position.null_count:
        row = int(null_rows(position)[0])
        raise tf.fail(
            row,
            f"unknown id {ids[row].as_py()!r} ({position.null_count} id(s) not in the evaluated "
            "data); check the split or --data",
        )
    position = numeric(position, np.int64)
    seen = np.bincount(position, minlength=len(data))
    if seen.max(initial=0) > 1:  # counting is linear; the sort that finds the row runs only here
        row = int(repeated_rows(position)[0])
        raise tf.fail(row, f"duplicate prediction for id {ids[row].as_py()!r}")
    if (seen == 0).any():
        missing = data.id_array()[seen == 0]
        shown = ", ".join(repr(m) for m in missing[:5])
        raise tf.fail(
            None,
            f"{len(missing)} id(s) have no prediction, e.g. {shown}; every item needs exactly one",
        )
    order = np.empty(len(data), dtype=np.int64)
    order[position] = np.arange(len(position))
    return order


def _probability_column(tf, name: str) -> np.ndarray:
    import pyarrow as pa

    try:
        return numeric(tf.table.column(name), np.float64, fill=np.nan)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise tf.fail(None, f"column {name!r} must hold numbers between 0 and 1") from None


def _read_proba(tf) -> np.ndarray | None:
    present = [c for c in PROBA_COLUMNS if c in tf.table.column_names]
    if not present:
        return None
    if len(present) != len(PROBA_COLUMNS):
        missing = sorted(set(PROBA_COLUMNS) - set(present))
        raise tf.fail(None, f"probability columns need all four; missing {', '.join(missing)}")
    proba = np.column_stack([_probability_column(tf, c) for c in PROBA_COLUMNS])
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
