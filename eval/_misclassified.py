"""`evaluate --errors FILE`: the misclassified items, with their text.

One row per item whose prediction differs from its gold label, in data order:
``id, claim, response, gold, prediction`` and, when the model gave them, the
probabilities as ``p_deny, p_confirm, p_evade, p_unrelated`` (the columns of a
predictions file). The format follows the extension: ``.csv`` or ``.jsonl``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from denialbench._errors import InputError
from denialbench.corpus._schema import LABELS
from denialbench.eval._data import EvalData, load_eval_data
from denialbench.eval._result import EvaluationResult

__all__ = ["ERRORS_SUFFIXES", "check_errors_path", "misclassified_rows", "write_misclassified"]

ERRORS_SUFFIXES = (".csv", ".jsonl")
_PROBA_COLUMNS = tuple(f"p_{label}" for label in LABELS)


def check_errors_path(path: Path | str) -> Path:
    """``path`` if its extension names a format; checked before any model runs."""
    path = Path(path)
    if path.suffix.lower() not in ERRORS_SUFFIXES:
        raise InputError(
            f"--errors {path}: unknown extension {path.suffix or '(none)'!r}; "
            "name a .csv or .jsonl file"
        )
    if path.is_dir():
        raise InputError(f"--errors {path}: is a folder; name a .csv or .jsonl file")
    return path


def _strings(values: Any) -> list[str]:
    return values.to_pylist() if hasattr(values, "to_pylist") else list(values)


def _data_for(result: EvaluationResult) -> EvalData:
    """The evaluated data: kept by :func:`evaluate`, else read again and matched by SHA-256."""
    if result.data is not None and result.data.claim is not None:
        return result.data
    info = result.scores["data"]
    data = load_eval_data(info["split"] or "test", info["path"] if info["kind"] == "file" else None)
    if data.source["sha256"] != info["sha256"]:
        raise InputError(
            f"the data of this result ({info['split'] or info['path']}) has changed since it was "
            "scored (SHA-256 differs); re-run `denialbench evaluate --errors`"
        )
    return data


def misclassified_rows(result: EvaluationResult) -> list[dict[str, Any]]:
    """The misclassified items as flat rows (see the module docstring)."""
    data = _data_for(result)
    by_id = {p["id"]: p for p in result.predictions}
    rows = []
    for item_id, claim, response in zip(
        data.id_array().tolist(), _strings(data.claim), _strings(data.response), strict=True
    ):
        p = by_id[item_id]
        if p["label"] == p["gold"]:
            continue
        row = {
            "id": item_id,
            "claim": claim,
            "response": response,
            "gold": p["gold"],
            "prediction": p["label"],
        }
        if "proba" in p:
            row.update(zip(_PROBA_COLUMNS, p["proba"], strict=True))
        rows.append(row)
    return rows


def write_misclassified(result: EvaluationResult, path: Path | str) -> int:
    """Write the misclassified items to ``path`` (.csv or .jsonl); return how many.

    Like ``--out``, an existing file is replaced, atomically.
    """
    from denialbench.corpus._io import atomic_write_text

    path = check_errors_path(path)
    rows = misclassified_rows(result)
    has_proba = bool(result.predictions) and "proba" in result.predictions[0]
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        columns = ["id", "claim", "response", "gold", "prediction"]
        columns += list(_PROBA_COLUMNS) if has_proba else []
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    else:
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    atomic_write_text(path, text)
    return len(rows)
