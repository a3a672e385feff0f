"""Reading and writing JSON Lines safely.

Reads report the file and line of the first bad row; writes go to a temporary
file in the same folder and are renamed into place, so a crash never leaves a
half-written file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from denialbench._errors import InputError

__all__ = [
    "atomic_write_text",
    "iter_jsonl",
    "read_file_bytes",
    "read_utf8_bytes",
    "sha256_file",
    "strip_bom",
    "write_jsonl",
]


UTF8_BOM = b"\xef\xbb\xbf"  # what editors and spreadsheets put before UTF-8 text


def read_file_bytes(path: Path, error: type = InputError) -> bytes:
    """The file's bytes as stored; a missing file or a folder raises ``error``."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, expected a file") from None


def strip_bom(raw: bytes) -> bytes:
    return raw[len(UTF8_BOM) :] if raw.startswith(UTF8_BOM) else raw


def read_utf8_bytes(path: Path, error: type = InputError, *, check: bool = True) -> bytes:
    """The file's bytes without a leading BOM, checked to be UTF-8.

    Raises ``error`` naming the file (and the line of a bad byte). With
    ``check=False`` the caller validates the encoding itself (Arrow does, in
    C++) and calls :func:`check_utf8` only to locate a failure.
    """
    raw = strip_bom(read_file_bytes(path, error))
    if check:
        check_utf8(path, raw, error)
    return raw


def check_utf8(path: Path, raw: bytes, error: type = InputError) -> None:
    """Raise ``error`` naming the line of the first byte that is not UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}:{line}: not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8"
        ) from None


def iter_jsonl(path: Path | str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of ``path``."""
    path = Path(path)
    text = read_utf8_bytes(path).decode("utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except RecursionError:
            raise InputError(
                f"{path}:{number}: nested too deeply; each line must be one flat JSON object"
            ) from None
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno}); "
                "each line must be one JSON object"
            ) from None
        if not isinstance(obj, dict):
            raise InputError(f"{path}:{number}: expected a JSON object, got {type(obj).__name__}")
        yield number, obj


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    # mkstemp creates 0600 files; give the result the mode a plain open() would
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_jsonl(path: Path | str, records: Iterable[dict[str, Any]]) -> None:
    """Write one compact JSON object per line, atomically."""
    lines = (json.dumps(r, ensure_ascii=False, sort_keys=False) for r in records)
    atomic_write_text(path, "".join(line + "\n" for line in lines))


def sha256_file(path: Path | str) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
