"""Checked stand-ins for the data constructors a model pickle may call.

numpy's and the standard library's reconstructors trust their arguments: a
dtype state may give a dtype fields larger than its item or clear its object
flags, an array may be announced larger than its bytes, ``bytearray(n)``
allocates ``n`` bytes. The allowlist hands out these functions instead,
which check the arguments and then call the real constructor.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import numpy as np

from denialbench._errors import UnsafeModelError

__all__ = [
    "MAX_TREE_CLASSES",
    "MAX_TREE_FEATURES",
    "check_array_state",
    "check_dtype_state",
    "check_joblib_wrapper",
    "check_tree_arguments",
    "check_tree_state",
    "checked_array",
    "checked_bytearray",
    "checked_copyreg_reconstructor",
    "checked_dtype",
    "checked_frombuffer",
    "checked_reconstruct",
    "checked_scalar",
    "dtype_problem",
    "show",
    "show_name",
]

#: Bounds on a decision tree's shape, far above any real model.
MAX_TREE_FEATURES = 10_000_000
MAX_TREE_CLASSES = 1_000_000

# The dtype strings numpy's own pickles name (kind + item size).
_DTYPE_NAME = re.compile(r"[biufcOUSV]\d{1,6}")
_PLAIN_KINDS = frozenset("biufcUS")


# typed Any: mypy cannot compare a class's overloaded __new__ with object's
_OBJECT_NEW: Any = object.__new__


def show(value: Any, limit: int = 60) -> str:
    """A short, escaped rendering of a value taken from a file."""
    text = ascii(value) if isinstance(value, str | bytes | int | float) else type(value).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def show_name(name: str, limit: int = 100) -> str:
    """A dotted name from a file, escaped but unquoted."""
    if not isinstance(name, str):
        return show(name)
    text = ascii(name)[1:-1]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unsafe(message: str) -> UnsafeModelError:
    return UnsafeModelError(message)


def _mark(func: Any) -> Any:
    func.checked_reconstructor = True
    return func


@functools.cache
def _expected_structured() -> tuple[np.dtype, ...]:
    """Structured dtypes a model may hold: scikit-learn's tree node record."""
    from sklearn.tree._tree import NODE_DTYPE

    return (NODE_DTYPE,)


def _same_dtype(a: np.dtype, b: np.dtype) -> bool:
    return (
        a == b
        and a.itemsize == b.itemsize
        and a.flags == b.flags
        and a.alignment == b.alignment
        and a.names == b.names
        and a.subdtype is None
        and b.subdtype is None
    )


def dtype_problem(dt: Any, *, allow_object: bool = False, allow_structured: bool = False) -> str:
    """Why ``dt`` is not a dtype a model may hold ('' when it is fine).

    Plain numbers and strings pass; object dtype only where ``allow_object``;
    structured dtypes only where ``allow_structured`` and only the expected
    records. Each dtype is compared with a fresh one built from its name, so a
    state that changed its fields, flags or size shows.
    """
    if not isinstance(dt, np.dtype):
        return f"a {type(dt).__name__} where a dtype belongs"
    if dt.names is not None or dt.kind == "V":
        if allow_structured and any(_same_dtype(dt, e) for e in _expected_structured()):
            return ""
        return "a structured or void dtype"
    if dt.subdtype is not None:
        return "a sub-array dtype"
    if dt.kind == "O":
        if not allow_object:
            return "an object dtype"
        return "" if _same_dtype(dt, np.dtype("O")) else "an object dtype with altered flags"
    if dt.kind not in _PLAIN_KINDS:
        return f"a dtype of kind {dt.kind!r}"
    try:
        fresh = np.dtype(dt.str)
    except Exception:
        return "a dtype numpy cannot rebuild from its name"
    if not _same_dtype(dt, fresh):
        return "a dtype whose size, fields or flags were altered"
    return ""


@_mark
def checked_dtype(name: Any, align: Any = False, copy: Any = True) -> np.dtype:
    """``numpy.dtype(name, align, copy=True)`` for the names numpy's pickles use."""
    if not (isinstance(name, str) and _DTYPE_NAME.fullmatch(name)):
        raise _unsafe(f"a dtype named {show(name)}; only plain numeric and string dtypes load")
    # copy=True always: numpy shares its built-in dtypes, so a BUILD on one
    # fetched without a copy would change every float64 in the process.
    return np.dtype(name, bool(align), True)


def check_dtype_state(target: np.dtype, state: Any) -> None:
    """Refuse a dtype state unless it leaves ``target`` plain, or an expected record."""
    if not isinstance(state, tuple) or len(state) < 8:
        raise _unsafe("a dtype state of the wrong form")
    endian = state[1]
    if endian not in ("<", ">", "|", "="):
        raise _unsafe(f"a dtype byte order {show(endian)}")
    if target.kind == "V":
        candidates = [e.__reduce__()[2] for e in _expected_structured()]
    else:
        candidates = [np.dtype(target.str).__reduce__()[2]]
    for expected in candidates:
        if len(state) == len(expected) and state[0] == expected[0] and state[2:] == expected[2:]:
            return
    raise _unsafe(
        "a dtype state that changes the dtype's fields, size or flags; only plain dtypes "
        "and decision-tree node records load"
    )


def _shape(shape: Any, what: str) -> tuple[int, ...]:
    if not (
        isinstance(shape, tuple)
        and len(shape) <= 32
        and all(type(n) is int and n >= 0 for n in shape)
    ):
        raise _unsafe(f"{what} with a malformed shape")
    return shape


def check_array_state(target: np.ndarray, state: Any) -> None:
    """An array state must carry exactly the bytes (or items) its shape needs."""
    if type(target) is not np.ndarray:
        raise _unsafe("a state for an array subclass")
    if not isinstance(state, tuple) or len(state) != 5:
        raise _unsafe("an array state of the wrong form")
    _, shape, dtype, _, data = state
    count = math.prod(_shape(shape, "an array"))
    problem = dtype_problem(dtype, allow_object=True, allow_structured=True)
    if problem:
        raise _unsafe(f"an array of {problem}")
    if dtype.kind == "O":
        if not isinstance(data, list) or len(data) != count:
            raise _unsafe("an object array whose items do not match its shape")
    elif not isinstance(data, bytes | bytearray) or len(data) != count * dtype.itemsize:
        raise _unsafe(
            f"an array of shape {show(str(shape))} whose data is not {count * dtype.itemsize} "
            "bytes long"
        )


@_mark
def checked_reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    """numpy's ``_reconstruct``: only the empty placeholder numpy's own pickles make."""
    if subtype is not np.ndarray or shape != (0,) or dtype not in (b"b", "b"):
        raise _unsafe("an array reconstructed with an unusual type, shape or dtype")
    return np.ndarray.__new__(np.ndarray, (0,), "b")


@_mark
def checked_frombuffer(buffer: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    """numpy's ``_frombuffer`` (protocol 5): the buffer must be exactly the array's size."""
    from numpy._core.numeric import _frombuffer  # type: ignore[attr-defined]

    problem = dtype_problem(dtype, allow_structured=True)
    if problem:
        raise _unsafe(f"an array of {problem}")
    count = math.prod(_shape(shape, "an array"))
    if not isinstance(buffer, bytes | bytearray) or len(buffer) != count * dtype.itemsize:
        raise _unsafe("an array whose buffer does not match its shape")
    if order not in ("C", "F"):
        raise _unsafe(f"an array order {show(order)}")
    return _frombuffer(buffer, dtype, shape, order)


@_mark
def checked_scalar(dtype: Any, data: Any = None) -> Any:
    """numpy's ``scalar``: a plain dtype and exactly one item's bytes."""
    from numpy._core.multiarray import scalar

    problem = dtype_problem(dtype)
    if problem:
        raise _unsafe(f"a numpy scalar of {problem}")
    if not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise _unsafe("a numpy scalar whose bytes do not match its dtype")
    return scalar(dtype, data)


@_mark
def checked_bytearray(*args: Any) -> bytearray:
    """``bytearray`` from data only (never ``bytearray(n)``, which allocates n bytes)."""
    if len(args) == 0:
        return bytearray()
    if len(args) == 1 and isinstance(args[0], bytes):
        return bytearray(args[0])
    if len(args) == 2 and isinstance(args[0], str) and args[1] in ("latin-1", "latin1"):
        return bytearray(args[0], "latin-1")
    raise _unsafe("a bytearray built from a size or another object; only from bytes")


@_mark
def checked_copyreg_reconstructor(cls: Any, base: Any, state: Any) -> Any:
    """copyreg's protocol 0/1 helper, for plain objects only (``object.__new__(cls)``)."""
    import copyreg

    if base is not object or state is not None or not isinstance(cls, type):
        raise _unsafe("a protocol 0/1 object built on a base other than object")
    if cls.__new__ is not _OBJECT_NEW or issubclass(cls, np.ndarray | np.generic):
        raise _unsafe(f"a protocol 0/1 object of {cls.__qualname__}, which is not plain")
    return copyreg._reconstructor(cls, base, state)  # type: ignore[attr-defined]


def check_tree_arguments(args: tuple) -> None:
    """The arguments of ``Tree(n_features, n_classes, n_outputs)``, bounded."""
    if len(args) != 3:
        raise _unsafe("a decision tree built with the wrong arguments")
    n_features, n_classes, n_outputs = args
    if not (type(n_features) is int and 0 < n_features <= MAX_TREE_FEATURES):
        raise _unsafe(f"a decision tree over {show(n_features)} features")
    if not (type(n_outputs) is int and 0 < n_outputs <= 10_000):
        raise _unsafe(f"a decision tree with {show(n_outputs)} outputs")
    if not (
        isinstance(n_classes, np.ndarray)
        and n_classes.dtype.kind in "iu"
        and n_classes.shape == (n_outputs,)
        and bool((n_classes >= 1).all())
        and int(n_classes.max()) * n_outputs <= MAX_TREE_CLASSES
    ):
        raise _unsafe("a decision tree whose class counts do not match its outputs")


def check_tree_state(tree: Any, state: Any) -> None:
    """A Tree's state: as many nodes as ``node_count`` says, of the node record."""
    if not isinstance(state, dict) or not {"node_count", "nodes", "values"} <= set(state):
        raise _unsafe("a decision tree state without its node arrays")
    nodes, values, count = state["nodes"], state["values"], state["node_count"]
    if not (type(count) is int and count >= 1 and isinstance(nodes, np.ndarray)):
        raise _unsafe("a decision tree without nodes")
    if nodes.shape != (count,) or dtype_problem(nodes.dtype, allow_structured=True):
        raise _unsafe("a decision tree whose node array does not match its node count")
    expected = (count, tree.n_outputs, int(np.max(tree.n_classes)))
    if not isinstance(values, np.ndarray) or values.shape != expected:
        raise _unsafe("a decision tree whose value array does not match its nodes")


def check_joblib_wrapper(wrapper: Any, size_bound: int) -> None:
    """joblib's array record after its BUILD, before any of its bytes are read."""
    dtype: Any = getattr(wrapper, "dtype", None)
    problem = dtype_problem(dtype)
    if problem:
        raise _unsafe(
            f"joblib file holds an array of {problem}; joblib reads object arrays with a "
            "bare pickle.load, so they are refused (object-dtype)"
            if problem == "an object dtype"
            else f"joblib file holds an array of {problem}"
        )
    shape = _shape(getattr(wrapper, "shape", None), "a joblib array")
    if math.prod(shape) * dtype.itemsize > size_bound:
        raise _unsafe(
            f"joblib array of shape {show(str(shape))} is larger than the file; refused as a "
            "memory bomb"
        )
    if getattr(wrapper, "subclass", None) is not np.ndarray:
        raise _unsafe("joblib array of a subclass of ndarray")
    if getattr(wrapper, "order", None) not in ("C", "F"):
        raise _unsafe("joblib array with an unknown memory order")
    alignment = getattr(wrapper, "numpy_array_alignment_bytes", None)
    if alignment is not None and alignment not in (8, 16, 32, 64):
        raise _unsafe("joblib array with an unusual alignment")


def checked_array(array: Any) -> np.ndarray:
    """An array joblib read: a plain, contiguous ndarray."""
    if type(array) is not np.ndarray or not (array.flags.c_contiguous or array.flags.f_contiguous):
        raise _unsafe("joblib produced an unusual array")
    return array
