"""Reading user JSONL/CSV files into Arrow tables, fast, with line numbers.

A million-row file is parsed by pyarrow's multi-threaded readers; every check
is vectorised. When a check fails, the row index is turned back into the
file's line number for the message (the only per-line Python loop, and it
runs on the error path alone).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError
from denialbench.corpus._io import check_utf8, read_file_bytes, strip_bom

__all__ = ["TableFile", "read_table"]

_SUFFIXES = (".jsonl", ".json", ".csv")

#: Brackets one JSON line may open. Arrow's JSON parser recurses once per level and
#: overflows its thread's stack (a crash, not an error) some thousands deep; a
#: predictions or corpus row nests three levels at most.
MAX_JSON_OPENERS_PER_LINE = 1000
_SCAN_CHUNK = 1 << 24
_FEW_LONG_LINES = 1000  # up to this many long lines are counted one by one


class TableFile:
    """An Arrow table read from ``path``, able to name a row's line."""

    def __init__(
        self, path: Path, table: Any, stored: bytes, raw: bytes, kind: str, error: type
    ) -> None:
        self.path, self.table, self.kind, self.error = path, table, kind, error
        self._stored, self._raw = stored, raw  # the same object unless the file had a BOM
        self._line_starts: np.ndarray | None = None

    def sha256(self) -> str:
        """The hex SHA-256 of the file as stored, from the bytes already read."""
        return hashlib.sha256(self._stored).hexdigest()

    def __len__(self) -> int:
        return self.table.num_rows

    def line_of(self, row: int) -> int:
        """1-based line number of data row ``row`` (CSV: after the header)."""
        if self._line_starts is None:
            buf = np.frombuffer(self._raw, dtype=np.uint8)
            newlines = np.flatnonzero(buf == 10)
            starts = np.concatenate([[0], newlines + 1])
            ends = np.concatenate([newlines, [len(buf)]])
            nonblank = [
                i
                for i, (a, b) in enumerate(zip(starts, ends, strict=True))
                if self._raw[a:b].strip()
            ]
            self._line_starts = np.asarray(nonblank) + 1
        offset = 1 if self.kind == "csv" else 0  # the CSV header line
        index = row + offset
        return int(self._line_starts[index]) if index < len(self._line_starts) else index + 1

    def fail(self, row: int | None, message: str) -> InputError:
        where = f"{self.path}:{self.line_of(row)}" if row is not None else str(self.path)
        return self.error(f"{where}: {message}")

    def column(self, name: str) -> Any:
        return self.table.column(name) if name in self.table.column_names else None


def read_table(
    path: Path | str, *, error: type = InputError, required: tuple[str, ...] = ()
) -> TableFile:
    """Read a JSONL or CSV file; check encoding, emptiness and columns."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.json as pajson

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise error(f"{path}: expected a .jsonl or .csv file (got {suffix or 'no suffix'!r})")
    stored = read_file_bytes(path, error)
    raw = strip_bom(stored)  # Arrow validates UTF-8 below
    if raw.isspace() or not raw:  # isspace stops at the first other byte; strip would copy
        raise error(f"{path}: the file is empty; expected a header or one JSON object per line")
    kind = "csv" if suffix == ".csv" else "jsonl"
    if kind == "jsonl":
        _check_nesting(path, raw, error)
    try:
        if kind == "csv":
            table = pacsv.read_csv(
                io.BytesIO(raw),
                convert_options=pacsv.ConvertOptions(
                    column_types={"id": pa.string(), "label": pa.string()},
                    strings_can_be_null=False,
                ),
            )
        else:
            table = pajson.read_json(
                io.BytesIO(raw), read_options=pajson.ReadOptions(block_size=1 << 24)
            )
        table.validate(full=True)  # includes UTF-8 validity of every string
    except pa.ArrowInvalid as exc:
        check_utf8(path, raw, error)
        raise error(_arrow_message(path, raw, kind, str(exc))) from None
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise error(
            f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(table.column_names)}"
        )
    return TableFile(path, table, stored, raw, kind, error)


def _chunked_positions(buf: np.ndarray, match) -> np.ndarray:
    """Positions where ``match(part)`` holds, scanned in chunks to bound the masks' memory."""
    found = [
        np.flatnonzero(match(buf[start : start + _SCAN_CHUNK])) + start
        for start in range(0, len(buf), _SCAN_CHUNK)
    ]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _check_nesting(path: Path, raw: bytes, error: type) -> None:
    """Refuse a line that opens :data:`MAX_JSON_OPENERS_PER_LINE` brackets, before Arrow parses.

    Only a line of more than that many bytes can, so one scan for newlines
    finds the candidates; their brackets are counted (ignoring strings: a
    legitimate row never comes near the limit either way).
    """
    limit = MAX_JSON_OPENERS_PER_LINE
    if len(raw) <= limit:
        return
    buf = np.frombuffer(raw, dtype=np.uint8)
    newlines = _chunked_positions(buf, lambda part: part == ord("\n"))
    ends = np.concatenate([[-1], newlines, [len(buf)]])  # line i spans ends[i]+1 .. ends[i+1]
    long_lines = np.flatnonzero(np.diff(ends) > limit)
    if long_lines.size == 0:
        return
    if long_lines.size <= _FEW_LONG_LINES:
        counts = np.array(
            [
                raw.count(b"{", int(ends[i]) + 1, int(ends[i + 1]))
                + raw.count(b"[", int(ends[i]) + 1, int(ends[i + 1]))
                for i in long_lines
            ]
        )
    else:  # many long rows (long texts): count every line's openers at once
        openers = _chunked_positions(buf, lambda part: (part == ord("{")) | (part == ord("[")))
        counts = np.diff(np.searchsorted(openers, ends))[long_lines]
    crowded = np.flatnonzero(counts >= limit)
    if crowded.size:
        raise error(
            f"{path}:{int(long_lines[crowded[0]]) + 1}: the line opens {limit} or more brackets; "
            "each line must be one flat JSON object (id, label, ...), not a deeply nested value"
        )


def _arrow_message(path: Path, raw: bytes, kind: str, detail: str) -> str:
    """Find the first bad line ourselves: Arrow's messages carry no line number."""
    if kind == "jsonl":
        import json

        for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except RecursionError:
                return f"{path}:{number}: nested too deeply; each line must be one flat JSON object"
            except json.JSONDecodeError as exc:
                return (
                    f"{path}:{number}: not valid JSON ({exc.msg}); "
                    "each line must be one JSON object"
                )
            if not isinstance(obj, dict):
                return f"{path}:{number}: expected a JSON object, got {type(obj).__name__}"
    return f"{path}: cannot parse as {kind.upper()} ({detail.splitlines()[0]})"
