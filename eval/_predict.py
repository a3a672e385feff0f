"""`denialbench predict`: label a user's own claim/response pairs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from denialbench._errors import InputError
from denialbench.corpus._schema import LABELS
from denialbench.eval._data import EvalData
from denialbench.eval._model import run_model
from denialbench.eval._safe_loading import load_model
from denialbench.eval._table_files import read_table

__all__ = ["predict_file"]


def predict_file(
    model_path: Path | str,
    input_path: Path | str,
    *,
    out: Path | str | None = None,
    trust_pickle: bool = False,
) -> str:
    """Predict every row of ``input_path``; write to ``out`` or return the text.

    The input needs ``claim`` and ``response``; ``id`` is optional (row
    numbers are used without it). The output has ``id``, ``label`` and, when
    the model offers them, ``p_deny`` ... ``p_unrelated``.
    """
    tf = read_table(input_path, error=InputError, required=("claim", "response"))
    table = tf.table
    n = table.num_rows
    for name in ("claim", "response"):
        nulls = np.flatnonzero(table.column(name).is_null().to_numpy(zero_copy_only=False))
        if nulls.size:
            raise tf.fail(int(nulls[0]), f"field {name!r} is missing or null")
    ids = (
        table.column("id").cast("string").to_numpy(zero_copy_only=False).astype(object)
        if "id" in table.column_names
        else np.array([str(i) for i in range(1, n + 1)], dtype=object)
    )
    data = EvalData(
        ids=ids,
        gold=np.zeros(n, dtype=np.int8),
        claim=table.column("claim").to_numpy(zero_copy_only=False),
        response=table.column("response").to_numpy(zero_copy_only=False),
    )
    model = load_model(model_path, trust_pickle=trust_pickle)
    pred, proba = run_model(model, data)
    labels = np.asarray(LABELS, dtype=object)[pred]
    rows = []
    for i in range(n):
        row = {"id": ids[i], "label": labels[i]}
        if proba is not None:
            row.update({f"p_{lab}": round(float(proba[i, k]), 6) for k, lab in enumerate(LABELS)})
        rows.append(row)
    as_csv = out is not None and Path(out).suffix.lower() == ".csv"
    if as_csv:
        import csv

        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=list(rows[0]) if rows else ["id", "label"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    else:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if out is not None:
        from denialbench.corpus._io import atomic_write_text

        atomic_write_text(out, text)
    return text
