"""Arrow <-> numpy without pandas.

pyarrow imports pandas (about a third of a second) the first time
``Array.to_numpy()``, ``pa.array(list)`` or ``pa.scalar()`` runs: they all
pass through its pandas-aware conversion layer. Scoring a predictions file
never needs pandas, so the evaluation code converts through these helpers,
which read and build the Arrow buffers directly. A test runs a
predictions-file evaluation and checks that pandas stayed unimported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "from_numpy",
    "null_rows",
    "numeric",
    "object_strings",
    "one_array",
    "scalar",
    "string_array",
]

_ARROW_TYPES = {
    np.dtype(np.bool_): "bool_",
    np.dtype(np.int8): "int8",
    np.dtype(np.int32): "int32",
    np.dtype(np.int64): "int64",
    np.dtype(np.float64): "float64",
}


def one_array(column: Any) -> Any:
    """A ChunkedArray's chunks joined into one Array (an Array is returned as it is)."""
    import pyarrow as pa

    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def string_array(values: Sequence[str | None]) -> Any:
    """A ``pa.string()`` array of ``values`` (None becomes null)."""
    import pyarrow as pa

    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    valid = None
    if any(v is None for v in values):
        bits = np.packbits(np.array([v is not None for v in values]), bitorder="little")
        valid = pa.py_buffer(bits)
    return pa.Array.from_buffers(
        pa.string(), len(encoded), [valid, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    )


def from_numpy(values: np.ndarray) -> Any:
    """A numeric numpy array as an Arrow array, sharing its memory."""
    import pyarrow as pa

    values = np.ascontiguousarray(values)
    if values.dtype == np.bool_:
        raise TypeError("from_numpy() takes numbers; Arrow stores booleans as bits")
    arrow_type = getattr(pa, _ARROW_TYPES[values.dtype])()
    return pa.Array.from_buffers(arrow_type, len(values), [None, pa.py_buffer(values)])


def scalar(value: str | int) -> Any:
    """An Arrow scalar for a compute function's argument (``pa.scalar`` imports pandas)."""
    if isinstance(value, str):
        return string_array([value])[0]
    return from_numpy(np.array([value], dtype=np.int64))[0]


def numeric(column: Any, dtype: Any, *, fill: int | float | None = None) -> np.ndarray:
    """A boolean or numeric Arrow column as a numpy array of ``dtype``.

    Nulls become ``fill``. Without ``fill`` a column with nulls is the caller's
    bug (check :func:`null_rows` first), so it raises ValueError.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = np.dtype(dtype)
    array = one_array(column).cast(getattr(pa, _ARROW_TYPES[dtype])())
    if array.null_count:
        if fill is None or dtype == np.bool_:
            raise ValueError("numeric() got nulls and no numeric fill value")
        array = pc.fill_null(array, from_numpy(np.array([fill], dtype=dtype))[0])
    n, start = len(array), array.offset
    if n == 0:
        return np.zeros(0, dtype=dtype)
    buffer = array.buffers()[1]
    if dtype == np.bool_:  # Arrow packs booleans eight to a byte, least significant bit first
        bits = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little")
        return bits[start : start + n].astype(bool)
    return np.frombuffer(buffer, dtype=dtype, count=n, offset=start * dtype.itemsize)


def null_rows(column: Any) -> np.ndarray:
    """Row indices of the nulls in ``column`` (found without a scan when there are none)."""
    import pyarrow.compute as pc

    if not column.null_count:
        return np.zeros(0, dtype=np.int64)
    return numeric(pc.indices_nonzero(column.is_null()), np.int64)


def object_strings(column: Any) -> np.ndarray:
    """A string column as a numpy object array of ``str``."""
    return np.array(one_array(column).to_pylist(), dtype=object)
