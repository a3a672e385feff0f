"""The allowlist unpicklers: which globals a pickle may name, and what it may do with them.

Both unpicklers (plain pickles and joblib files) are the pure-Python
:class:`pickle._Unpickler` with some opcodes replaced, because the C
unpickler cannot be told to look at a BUILD before it applies it. What they
enforce, before any of it happens:

- a global is admitted by its module *string* first; only a module inside the
  allowlisted families is ever imported, so a refused file cannot run another
  module's import-time code;
- data constructors are wrapped (:mod:`denialbench.eval._reconstructors`):
  no ``bytearray(n)``, no array larger than its bytes, no dtype with fields
  it does not need, never ``numpy.dtype(..., copy=False)``;
- classes are only instantiated empty (NEWOBJ with no arguments) and never
  receive a BUILD state: a BUILD on a class would change it process-wide;
- a BUILD on a dtype must leave it equal to a plain dtype or an expected
  structured one (a decision tree's node record); a BUILD on an array must
  carry exactly as many bytes as its shape needs;
- memo indices and counted lengths cannot exceed the size of the stream;
- joblib's array records are checked after their BUILD, whatever the form of
  the state: an object dtype (which joblib reads with a bare unpickler) is
  refused, and so is a shape larger than the bytes left.
"""

from __future__ import annotations

import functools
import importlib
import pickle
import re
import struct
from typing import Any

import numpy as np

from denialbench._errors import UnsafeModelError
from denialbench.eval import _reconstructors as rc

__all__ = [
    "JOBLIB_WRAPPER",
    "JoblibStream",
    "Refused",
    "is_allowed_global",
    "make_unpickler",
    "resolve_allowed",
    "sklearn_module_allowed",
]

JOBLIB_WRAPPER = ("joblib.numpy_pickle", "NumpyArrayWrapper")

# scikit-learn subpackages whose estimators a model file may name. A module
# string must lie inside one of them (and in no test or experimental module)
# before it is imported at all.
_SKLEARN_FAMILIES = frozenset(
    {
        "calibration",
        "compose",
        "cross_decomposition",
        "decomposition",
        "discriminant_analysis",
        "dummy",
        "ensemble",
        "feature_extraction",
        "feature_selection",
        "impute",
        "isotonic",
        "kernel_approximation",
        "kernel_ridge",
        "linear_model",
        "multiclass",
        "multioutput",
        "naive_bayes",
        "neighbors",
        "neural_network",
        "pipeline",
        "preprocessing",
        "random_projection",
        "svm",
        "tree",
    }
)
_MODULE_PART = re.compile(r"_?[a-z][a-z0-9_]*")
_CLASS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NEVER_PARTS = frozenset({"tests", "test", "conftest", "experimental", "externals", "_testing"})


class Refused(pickle.UnpicklingError):
    """A global outside the allowlist."""

    def __init__(self, module: str, name: str) -> None:
        super().__init__(f"{module}.{name}")
        self.global_name = f"{module}.{name}"


class JoblibStream(Exception):
    """The stream turned out to be joblib's format: read it with joblib's unpickler."""


# typed Any: mypy cannot compare a class's overloaded __new__ with object's
_OBJECT_NEW: Any = object.__new__


def sklearn_module_allowed(module: str) -> bool:
    parts = module.split(".")
    return (
        len(parts) >= 2
        and parts[0] == "sklearn"
        and parts[1] in _SKLEARN_FAMILIES
        and all(_MODULE_PART.fullmatch(p) for p in parts[2:])
        and not any(p in _NEVER_PARTS or p.startswith("test") for p in parts)
    )


@functools.cache
def _own_classes() -> dict[tuple[str, str], type]:
    from denialbench.baselines import SAFE_CLASSES

    return {(cls.__module__, cls.__qualname__): cls for cls in SAFE_CLASSES}


@functools.cache
def _sparse_classes() -> dict[tuple[str, str], type]:
    import scipy.sparse as sp

    kinds = (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array, sp.csc_array, sp.coo_array)
    return {(cls.__module__, cls.__qualname__): cls for cls in kinds}


@functools.cache
def _exact() -> dict[tuple[str, str], Any]:
    from collections import OrderedDict

    table: dict[tuple[str, str], Any] = {
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("builtins", "slice"): slice,
        ("builtins", "complex"): complex,
        ("builtins", "bytearray"): rc.checked_bytearray,
        ("collections", "OrderedDict"): OrderedDict,
        # a dict with attribute access: meta-estimators' named_estimators_
        ("sklearn.utils._bunch", "Bunch"): _bunch(),
        ("copyreg", "_reconstructor"): rc.checked_copyreg_reconstructor,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): rc.checked_dtype,
    }
    for core in ("numpy.core", "numpy._core"):
        table[(f"{core}.multiarray", "_reconstruct")] = rc.checked_reconstruct
        table[(f"{core}.multiarray", "scalar")] = rc.checked_scalar
        table[(f"{core}.numeric", "_frombuffer")] = rc.checked_frombuffer
    return table


def _bunch() -> type:
    from sklearn.utils._bunch import Bunch

    return Bunch


@functools.cache
def _MAPPINGS() -> frozenset[type]:
    from collections import OrderedDict

    return frozenset({dict, OrderedDict, _bunch()})


def _sklearn_class(module: str, name: str) -> Any:
    if not (sklearn_module_allowed(module) and _CLASS_NAME.fullmatch(name)):
        return None
    try:
        obj = getattr(importlib.import_module(module), name, None)
    except Exception:  # a module that fails to import is simply not allowed
        return None
    from sklearn.base import BaseEstimator

    if (module, name) == ("sklearn.tree._tree", "Tree"):
        return obj
    if (
        isinstance(obj, type)
        and issubclass(obj, BaseEstimator)
        and obj.__module__ == module
        and not any(_qualified_name(base) in _UNCHECKABLE for base in obj.__mro__)
    ):
        return obj
    return None


# Estimators whose predict hands fitted index arrays to C code that trusts
# them, with no check this package can make cheaply: libsvm reads support
# vectors through ``_n_support`` counts without bounds.
_UNCHECKABLE = frozenset({"sklearn.svm._base.BaseLibSVM"})


def _qualified_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def resolve_allowed(module: str, name: str, *, joblib_format: bool = False) -> Any:
    """The object ``module.name`` stands for, or None when the allowlist refuses it.

    Nothing is imported unless the module string is inside an allowed family.
    """
    exact = _exact().get((module, name))
    if exact is not None:
        return exact
    if joblib_format and (module, name) == JOBLIB_WRAPPER:
        from joblib.numpy_pickle import NumpyArrayWrapper

        return NumpyArrayWrapper
    if (module, name) in _own_classes():
        return _own_classes()[(module, name)]
    if module == "numpy" and _CLASS_NAME.fullmatch(name):
        obj = getattr(np, name, None)
        scalar = isinstance(obj, type) and issubclass(obj, np.generic)
        return obj if scalar and obj not in (np.object_, np.void) else None
    if module.startswith("scipy.sparse."):
        return _sparse_classes().get((module, name))
    if module.startswith("sklearn."):
        return _sklearn_class(module, name)
    return None


def is_allowed_global(module: str, name: str, *, joblib_format: bool = False) -> bool:
    """Whether the allowlist admits ``module.name``."""
    return resolve_allowed(module, name, joblib_format=joblib_format) is not None


def _unsafe(message: str) -> UnsafeModelError:
    return UnsafeModelError(message)


def _name(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', type(obj).__name__)}"


# Plain data types a REDUCE may call, with the argument types each accepts.
_CONTAINER_ARGS = (list, tuple, set, frozenset, dict)


def _check_reduce(func: Any, args: Any) -> None:
    from collections import OrderedDict

    if not isinstance(args, tuple):
        raise _unsafe("a REDUCE without an argument tuple")
    if getattr(func, "checked_reconstructor", False) is True and any(
        func is allowed for allowed in _exact().values()
    ):
        return
    if func in (set, frozenset, OrderedDict):
        if len(args) <= 1 and all(isinstance(a, _CONTAINER_ARGS) for a in args):
            return
    elif func is slice:
        if len(args) <= 3 and all(a is None or type(a) is int for a in args):
            return
    elif func is complex:
        if len(args) <= 2 and all(type(a) in (int, float) for a in args):
            return
    elif isinstance(func, type) and issubclass(func, np.generic):
        if len(args) <= 1 and all(type(a) in (int, float, bool, str, bytes) for a in args):
            return
    elif _is_tree_class(func):
        rc.check_tree_arguments(args)
        return
    raise _unsafe(f"the file calls {_name(func)} with arguments; only data records may be built")


def _is_tree_class(obj: Any) -> bool:
    return (getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)) == (
        "sklearn.tree._tree",
        "Tree",
    )


def _check_newobj(cls: Any, args: Any, kwargs: Any = None) -> None:
    from collections import OrderedDict

    if not isinstance(cls, type):
        raise _unsafe("a NEWOBJ on something that is not a class")
    if args != () or kwargs:
        raise _unsafe(
            f"the file builds {_name(cls)} with arguments; only empty objects may be made"
        )
    plain = cls in (set, frozenset, OrderedDict, _bunch()) or (
        cls.__new__ is _OBJECT_NEW and not issubclass(cls, np.ndarray | np.generic | np.dtype)
    )
    if not plain:
        raise _unsafe(f"the file builds {_name(cls)} with NEWOBJ; it is not a plain object")


def _check_state_keys(state: Any) -> None:
    dicts = state if isinstance(state, tuple) else (state,)
    for part in dicts:
        if isinstance(part, dict):
            for key in part:
                if not isinstance(key, str) or key.startswith("__"):
                    raise _unsafe(
                        f"an object state sets the attribute {rc.show(key)}; dunder and "
                        "non-string attribute names are refused"
                    )


# the pure-Python unpickler, private in the standard library and untyped
_PY_UNPICKLER: Any = pickle._Unpickler
_SHORT_BINUNICODE = pickle.SHORT_BINUNICODE[0]
_MEMOIZE = pickle.MEMOIZE[0]
_BININT1 = pickle.BININT1[0]
_BININT2 = pickle.BININT2[0]


class _Guards:
    """Opcode handlers shared by the plain and the joblib unpickler."""

    size_bound: int
    stack: list[Any]
    memo: dict[int, Any]
    stream: Any

    def load(self) -> Any:
        """:meth:`pickle._Unpickler.load`, with the commonest opcodes inline.

        A fitted text model is mostly its vocabulary: short strings, small
        integers and memo entries. When the whole stream is in memory
        (``data``, with ``stream`` the BytesIO over it), those four opcodes
        are decoded in the loop straight from the bytes, without a method
        call each; every other opcode goes through ``dispatch`` as usual,
        with the stream positioned after its opcode byte.
        """
        file_read = self._file_read  # type: ignore[attr-defined]
        self._unframer = pickle._Unframer(file_read, self._file_readline)  # type: ignore[attr-defined]
        # frames are read through (see load_frame), so the unframer never buffers
        self.read = file_read
        self.readline = self._file_readline  # type: ignore[attr-defined]
        self.readinto = self._unframer.readinto
        self.metastack: list[Any] = []
        self.stack = []
        self.append = self.stack.append
        self.proto = 0
        dispatch = self.dispatch  # type: ignore[attr-defined]
        memo = self.memo
        data = getattr(self, "data", None)
        try:
            if data is None:
                while True:
                    key = file_read(1)
                    if not key:
                        raise EOFError
                    dispatch[key[0]](self)
            stream = self.stream
            seek, tell = stream.seek, stream.tell
            position, size = tell(), len(data)
            append, stack = self.append, self.stack
            while True:
                op = data[position]  # IndexError at the end: a truncated file
                if op == _SHORT_BINUNICODE:
                    end = position + 2 + data[position + 1]
                    if end > size:
                        raise pickle.UnpicklingError("pickle data was truncated")
                    append(str(data[position + 2 : end], "utf-8", "surrogatepass"))
                    position = end
                elif op == _MEMOIZE:
                    memo[len(memo)] = stack[-1]
                    position += 1
                elif op == _BININT2:
                    append(data[position + 1] | data[position + 2] << 8)
                    position += 3
                elif op == _BININT1:
                    append(data[position + 1])
                    position += 2
                else:
                    seek(position + 1)
                    dispatch[op](self)
                    position = tell()
                    append, stack = self.append, self.stack
        except pickle._Stop as stop:  # type: ignore[attr-defined]
            return stop.value

    def _check_index(self, index: int) -> int:
        if index < 0 or index > self.size_bound:
            raise _unsafe(f"a memo index ({index}) larger than the file; refused as a memory bomb")
        return index

    def load_put(self) -> None:
        index = int(self.readline()[:-1])
        self.memo[self._check_index(index)] = self.stack[-1]

    def load_long_binput(self) -> None:
        (index,) = struct.unpack("<I", self.read(4))
        self.memo[self._check_index(index)] = self.stack[-1]

    def _counted(self, length: int) -> int:
        if length > self.size_bound:
            raise _unsafe(
                f"a record announces {length} bytes, more than the file holds once "
                "decompressed: the file is truncated, or a memory or decompression bomb"
            )
        return length

    def load_bytearray8(self) -> None:
        (length,) = struct.unpack("<Q", self.read(8))
        data = self.read(self._counted(length))
        if len(data) != length:
            raise pickle.UnpicklingError("pickle data was truncated")
        self.append(bytearray(data))

    def load_binbytes8(self) -> None:
        (length,) = struct.unpack("<Q", self.read(8))
        self.append(self.read(self._counted(length)))

    def load_binunicode8(self) -> None:
        (length,) = struct.unpack("<Q", self.read(8))
        data = self.read(self._counted(length))
        self.append(str(data, "utf-8", "surrogatepass"))

    def load_frame(self) -> None:
        # A frame is only the next ``length`` bytes of the stream, announced
        # so a reader can fetch them at once. Reading straight from the
        # stream instead gives the same opcodes and skips a Python-level
        # frame buffer on every read (the unpickler's hottest path).
        (length,) = struct.unpack("<Q", self.read(8))
        self._counted(length)

    def load_reduce(self) -> None:
        args = self.stack[-1]
        func = self.stack[-2]
        _check_reduce(func, args)
        _PY_UNPICKLER.load_reduce(self)

    def load_newobj(self) -> None:
        _check_newobj(self.stack[-2], self.stack[-1])
        _PY_UNPICKLER.load_newobj(self)

    def load_newobj_ex(self) -> None:
        _check_newobj(self.stack[-3], self.stack[-2], self.stack[-1])
        _PY_UNPICKLER.load_newobj_ex(self)

    # SETITEM(S) and APPEND(S) call the target's own __setitem__/append: on a
    # sparse matrix whose indices are not yet checked that is memory-unsafe.
    def _mapping_target(self, depth: int) -> None:
        target = self.stack[-depth] if depth else self.metastack[-1][-1]
        if type(target) not in _MAPPINGS():
            raise _unsafe(f"an item assignment on a {type(target).__name__}; only dicts take items")

    def load_setitem(self) -> None:
        self._mapping_target(3)
        _PY_UNPICKLER.load_setitem(self)

    def load_setitems(self) -> None:
        self._mapping_target(0)
        _PY_UNPICKLER.load_setitems(self)

    def load_append(self) -> None:
        if type(self.stack[-2]) is not list:
            raise _unsafe("an append to something that is not a list")
        _PY_UNPICKLER.load_append(self)

    def load_appends(self) -> None:
        if type(self.metastack[-1][-1]) is not list:
            raise _unsafe("an append to something that is not a list")
        _PY_UNPICKLER.load_appends(self)

    def _instantiate(self, klass: Any, args: Any) -> None:
        _check_newobj(klass, tuple(args))
        _PY_UNPICKLER._instantiate(self, klass, args)

    def check_build(self) -> None:
        state, target = self.stack[-1], self.stack[-2]
        if isinstance(target, type):
            raise _unsafe(
                f"the file gives the class {_name(target)} a new state, which would change it "
                "for the whole process"
            )
        if callable(target):
            raise _unsafe(f"the file gives the callable {_name(target)} a state")
        if isinstance(target, np.dtype):
            rc.check_dtype_state(target, state)
        elif isinstance(target, np.ndarray):
            rc.check_array_state(target, state)
        elif _is_tree_class(type(target)):
            rc.check_tree_state(target, state)
        elif isinstance(target, np.generic):
            raise _unsafe("the file gives a numpy scalar a state")
        else:
            _check_state_keys(state)


def _dispatch(base: type) -> dict[int, Any]:
    table = dict(base.dispatch)  # type: ignore[attr-defined]
    for opcode, handler in (
        (pickle.PUT, _Guards.load_put),
        (pickle.LONG_BINPUT, _Guards.load_long_binput),
        (pickle.BYTEARRAY8, _Guards.load_bytearray8),
        (pickle.BINBYTES8, _Guards.load_binbytes8),
        (pickle.BINUNICODE8, _Guards.load_binunicode8),
        (pickle.FRAME, _Guards.load_frame),
        (pickle.REDUCE, _Guards.load_reduce),
        (pickle.SETITEM, _Guards.load_setitem),
        (pickle.SETITEMS, _Guards.load_setitems),
        (pickle.APPEND, _Guards.load_append),
        (pickle.APPENDS, _Guards.load_appends),
        (pickle.NEWOBJ, _Guards.load_newobj),
        (pickle.NEWOBJ_EX, _Guards.load_newobj_ex),
    ):
        table[opcode[0]] = handler
    return table


class _PlainUnpickler(_Guards, pickle._Unpickler):
    """Plain pickles: the allowlist and the guards; joblib's records switch formats."""

    dispatch = _dispatch(pickle._Unpickler)

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == JOBLIB_WRAPPER:
            raise JoblibStream
        obj = resolve_allowed(module, name)
        if obj is None:
            raise Refused(module, name)
        return obj

    def load_build(self) -> None:
        self.check_build()
        _PY_UNPICKLER.load_build(self)

    dispatch[pickle.BUILD[0]] = load_build


@functools.cache
def _joblib_unpickler() -> type:
    from joblib.numpy_pickle import NumpyArrayWrapper, NumpyUnpickler

    class JoblibUnpickler(_Guards, NumpyUnpickler):
        """joblib's unpickler with the allowlist, the guards and checked array records."""

        dispatch = _dispatch(NumpyUnpickler)

        def find_class(self, module: str, name: str) -> Any:
            obj = resolve_allowed(module, name, joblib_format=True)
            if obj is None:
                raise Refused(module, name)
            return obj

        def load_build(self) -> None:
            self.check_build()
            _PY_UNPICKLER.load_build(self)
            if isinstance(self.stack[-1], NumpyArrayWrapper):
                wrapper = self.stack.pop()
                rc.check_joblib_wrapper(wrapper, self.size_bound)
                array = wrapper.read(self, self.ensure_native_byte_order)
                self.stack.append(rc.checked_array(array))

        dispatch[pickle.BUILD[0]] = load_build

    return JoblibUnpickler


def make_unpickler(
    stream: Any,
    *,
    size_bound: int,
    joblib_format: bool,
    filename: str,
    data: bytes | None = None,
) -> Any:
    """An unpickler over ``stream`` that refuses records larger than ``size_bound`` bytes.

    ``data``, when given, is the whole of ``stream``'s content (a BytesIO at
    position 0), which the unpickler then decodes directly.
    """
    if joblib_format:
        unpickler = _joblib_unpickler()(filename, stream, False)
    else:
        unpickler = _PlainUnpickler(stream)
    unpickler.size_bound = size_bound
    if data is not None:
        unpickler.data, unpickler.stream = data, stream
    return unpickler
