"""`denialbench predict`: label a user's own claim/response pairs."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from denialbench._console import json_text
from denialbench._errors import InputError
from denialbench.corpus._schema import LABELS
from denialbench.eval._data import EvalData, extra_from_table
from denialbench.eval._predictions import PREDICTION_SUFFIXES
from denialbench.eval._sandbox import SandboxLimits
from denialbench.eval._table_files import read_table

__all__ = ["OUTPUT_SUFFIXES", "check_output_path", "predict_file"]

#: The formats ``predict`` writes, by the suffix of ``out``.
OUTPUT_SUFFIXES = (".jsonl", ".csv")


def check_output_path(out: Path | str) -> None:
    """Refuse an ``out`` path predict cannot write, before any work is done."""
    out = Path(out)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(
            f"--out {out}: unknown output format {out.suffix or 'no suffix'!r}; name the file "
            f"{' or '.join(out.stem + s for s in OUTPUT_SUFFIXES)} (JSON Lines or CSV)"
        )
    if out.is_dir():
        raise InputError(f"--out {out}: is a folder; give a file name ending in .jsonl or .csv")


def _check_model_path(model_path: Path) -> None:
    """Refuse what cannot be a model before the input is read."""
    if model_path.is_dir():
        return
    if model_path.suffix.lower() in PREDICTION_SUFFIXES:
        raise InputError(
            f"{model_path}: `predict` needs a model file (.skops, .pkl/.pickle/.joblib) or a "
            "checkpoint folder, not a predictions or data file; to score a predictions file, "
            f"run `denialbench evaluate {model_path}`"
        )


def predict_file(
    model_path: Path | str,
    input_path: Path | str,
    *,
    out: Path | str | None = None,
    trust_pickle: bool = False,
    trusted_types: list[str] | tuple = (),
    limits: SandboxLimits | None = None,
    device: str = "cpu",
) -> str:
    """Predict every row of ``input_path``; write to ``out`` or return the text.

    The input needs ``claim`` and ``response``; ``id`` is optional (row
    numbers are used without it). The output has ``id``, ``label`` and, when
    the model offers them, ``p_deny`` ... ``p_unrelated``; ``out`` must end
    in .jsonl or .csv, which decides the format. The model file or checkpoint
    folder is loaded and run in the sandboxed model process, under ``limits``;
    ``device`` (cpu, cuda or auto) is where a folder runs.
    """
    from denialbench.eval._evaluate import model_process_for
    from denialbench.eval._hf_folder import refuse_missing_model
    from denialbench.eval._safe_loading import PICKLE_SUFFIXES, SKOPS_SUFFIXES

    model_path = Path(model_path)
    _check_model_path(model_path)
    if out is not None:
        check_output_path(out)
    if not model_path.exists():
        refuse_missing_model(model_path)
    if (
        not model_path.is_dir()
        and model_path.suffix.lower() not in PICKLE_SUFFIXES | SKOPS_SUFFIXES
    ):
        suffix = model_path.suffix.lower()
        raise InputError(
            f"{model_path}: unknown model format {suffix or 'no suffix'!r}; give a .skops or "
            ".pkl/.pickle/.joblib model file, or a checkpoint folder"
        )
    # started first: its imports overlap the reading of the input
    process = model_process_for(
        model_path,
        trust_pickle=trust_pickle,
        trusted_types=trusted_types,
        limits=limits,
        device=device,
    )
    if process is None:  # an existing path that is neither a file nor a folder
        raise InputError(f"{model_path}: not a model file or checkpoint folder")
    with process:
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
            extra=extra_from_table(table),
        )
        pred, proba, _ = process.predict(data)
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
        # ids come from the user's file: C1 controls are escaped, as on every JSON we print
        text = "".join(json_text(r, indent=None) + "\n" for r in rows)
    if out is not None:
        from denialbench.corpus._io import atomic_write_text

        atomic_write_text(out, text)
    return text
