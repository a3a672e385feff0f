"""The ``pairs`` task: a user's own labelled pairs in CSV, TSV, JSONL or Parquet.

``--columns claim=headline,response=body,label=stance`` names the user's
columns (``id`` is optional: row numbers are used without it) and ``--map
against=deny,for=confirm`` maps their labels to DenialBench's. A label that
is already a DenialBench label needs no mapping.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError
from denialbench.corpus._schema import LABELS
from denialbench.eval._task_loaders import TaskItems

__all__ = ["parse_columns", "parse_label_map", "read_pairs"]

_FIELDS = ("id", "claim", "response", "label")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def _pairs_of(text: str, option: str) -> list[tuple[str, str]]:
    out = []
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(
                f"{option} {text!r}: {part.strip()!r} is not NAME=VALUE; "
                f"write e.g. {option} 'against=deny,for=confirm'"
            )
        out.append((key.strip(), value.strip()))
    return out


def parse_label_map(text: str | None) -> dict[str, str]:
    """``'against=deny,for=confirm'`` -> ``{'against': 'deny', 'for': 'confirm'}``."""
    mapping: dict[str, str] = {}
    for native, label in _pairs_of(text or "", "--map"):
        if label not in LABELS:
            raise InputError(
                f"--map: {native}={label}: {label!r} is not one of {', '.join(LABELS)}"
            )
        mapping[native] = label
    return mapping


def parse_columns(text: str | None) -> dict[str, str]:
    """``'claim=headline,response=body'`` -> DenialBench field -> the file's column."""
    columns = {name: name for name in _FIELDS}
    for field, column in _pairs_of(text or "", "--columns"):
        if field not in _FIELDS:
            raise InputError(
                f"--columns: {field!r} is not one of {', '.join(_FIELDS)}; write "
                "--columns claim=YOUR_COLUMN,response=YOUR_COLUMN,label=YOUR_COLUMN"
            )
        columns[field] = column
    return columns


def _read_table(path: Path, kind: str, blob: bytes) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.json as pajson
    import pyarrow.parquet as pq

    from denialbench.corpus._io import strip_bom

    try:
        if kind == "parquet":
            return pq.read_table(io.BytesIO(blob))
        raw = strip_bom(blob)
        if kind == "jsonl":
            return pajson.read_json(io.BytesIO(raw))
        return pacsv.read_csv(
            io.BytesIO(raw),
            parse_options=pacsv.ParseOptions(
                delimiter="\t" if kind == "tsv" else ",", newlines_in_values=True
            ),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: cannot parse as {kind.upper()} ({exc})") from None


def read_pairs(
    path: Path | str, label_map: dict[str, str], columns: dict[str, str]
) -> tuple[TaskItems, str]:
    """The items of a pairs file and the file's SHA-256."""
    path = Path(path)
    kind = _SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: expected .csv, .tsv, .jsonl or .parquet (got {path.suffix or 'no suffix'!r})"
        )
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    table = _read_table(path, kind, blob)
    header_rows = 1 if kind in ("csv", "tsv") else 0

    def where(row: int) -> str:
        return f"{path}: row {row + 1}" + (" (after the header)" if header_rows else "")

    needed = {f: columns[f] for f in ("claim", "response", "label")}
    missing = [f"{c} (for {f})" for f, c in needed.items() if c not in table.column_names]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; found "
            f"{', '.join(table.column_names)}; name yours with --columns claim=...,response=..."
            ",label=..."
        )
    values = {}
    for field, column in needed.items():
        col = table.column(column).cast("string").to_pylist()
        bad = next((i for i, v in enumerate(col) if v is None or not str(v).strip()), None)
        if bad is not None:
            raise InputError(f"{where(bad)}: field {column!r} is empty; every row needs it")
        values[field] = col
    if columns["id"] in table.column_names:
        ids = [str(v) for v in table.column(columns["id"]).cast("string").to_pylist()]
        seen: set[str] = set()
        for i, v in enumerate(ids):
            if v in seen:
                raise InputError(f"{where(i)}: duplicate id {v!r}; ids must be unique")
            seen.add(v)
    else:
        ids = [str(i) for i in range(1, table.num_rows + 1)]
    native = [str(v).strip() for v in values["label"]]
    for i, label in enumerate(native):
        if label not in label_map and label not in LABELS:
            raise InputError(
                f"{where(i)}: label {label!r} is not a DenialBench label; map it with "
                f"--map '{label}=deny' (or confirm, evade, unrelated)"
            )

    def objects(items: list[Any]) -> np.ndarray:
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out

    items = TaskItems(
        ids=objects(ids),
        claim=objects(values["claim"]),
        response=objects(values["response"]),
        native=objects(native),
    )
    return items, hashlib.sha256(blob).hexdigest()
