"""Predictions files: the route for a model in any language.

Format: JSONL or CSV with ``id`` and ``label`` (a label name, or its
ClassLabel id: 0 deny, 1 confirm, 2 evade, 3 unrelated), and optionally all
four of ``p_deny``, ``p_confirm``, ``p_evade``, ``p_unrelated``. Every id of
the evaluated data must appear exactly once. A file whose labels disagree
with the argmax of its own probabilities on many rows is scored, with a
:class:`~denialbench.DenialBenchWarning`: the columns are likely mixed up.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from denialbench._errors import DenialBenchWarning, PredictionsFileError
from denialbench.corpus._schema import LABELS
from denialbench.eval._arrow import null_rows, numeric
from denialbench.eval._data import EvalData, encode_labels, repeated_rows
from denialbench.eval._table_files import read_table

__all__ = [
    "CONTRADICTION_WARN_SHARE",
    "PREDICTION_SUFFIXES",
    "PROBA_COLUMNS",
    "read_predictions",
]

PREDICTION_SUFFIXES = frozenset({".jsonl", ".csv", ".json"})
PROBA_COLUMNS = tuple(f"p_{label}" for label in LABELS)
#: Share of rows whose label is not a most probable class above which a file is
#: warned about. A model with tuned decision thresholds disagrees with its argmax
#: on a few rows; swapped or misnamed columns disagree on most.
CONTRADICTION_WARN_SHARE = 0.10


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
    if proba is not None:
        _warn_on_contradictions(tf, codes, proba)
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


def _warn_on_contradictions(tf, codes: np.ndarray, proba: np.ndarray) -> None:
    """Warn when many labels are not among the most probable classes of their row."""
    top = proba.max(axis=1)
    # a label tied with the maximum agrees: ties are the file's own choice
    agrees = proba[np.arange(len(codes)), codes] >= top - 1e-9
    disagree = np.flatnonzero(~agrees)
    if len(codes) == 0 or disagree.size / len(codes) <= CONTRADICTION_WARN_SHARE:
        return
    ids = tf.table.column("id")
    shown = ", ".join(repr(str(ids[int(row)].as_py())) for row in disagree[:3])
    warnings.warn(
        f"{tf.path}: on {disagree.size} of {len(codes)} rows ({disagree.size / len(codes):.0%}) "
        f"the label is not the most probable class of p_deny ... p_unrelated, e.g. ids {shown} "
        f"(first at line {tf.line_of(int(disagree[0]))}); the scores use the labels and the "
        "log loss and Brier scores the probabilities, so check that each p_ column belongs "
        "to the label it names",
        DenialBenchWarning,
        stacklevel=3,
    )


def _first_non_number(column) -> int:
    """Row of the first value that is neither null nor a number (the error path only)."""
    for row, value in enumerate(column.to_pylist()):
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            continue
        try:
            float(value)
        except (TypeError, ValueError):
            return row
    return 0


def _probability_column(tf, name: str) -> np.ndarray:
    import pyarrow as pa

    column = tf.table.column(name)
    try:
        return numeric(column, np.float64, fill=np.nan)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        row = _first_non_number(column)
        value = column[row].as_py()
        raise tf.fail(
            row, f"column {name!r} must hold numbers between 0 and 1 (got {value!r})"
        ) from None


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
