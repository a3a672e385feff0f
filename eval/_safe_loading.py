"""Loading model files somebody else made, without letting them run code.

- ``.skops`` files go through :mod:`skops.io`; types it does not trust are
  listed and refused unless the user names them (``--trust-type``). This
  package's own baseline classes are trusted.
- ``.pkl`` / ``.pickle`` / ``.joblib`` files go through an allowlist
  unpickler (the "restricting globals" pattern of the :mod:`pickle` docs):
  every global the stream asks for must be a known-safe class from
  scikit-learn, numpy, scipy.sparse, the standard containers, or this
  package's baselines, or one of the few numpy reconstructors. Joblib array
  records are read only for non-object dtypes, because joblib reads object
  arrays with a bare ``pickle.load``. Compressed joblib files are read through
  a size cap, so a decompression bomb fails fast.

Loading a pickle with ``trust_pickle=True`` skips all of this and can run
arbitrary code: it is for files you made yourself.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import importlib
import io
import lzma
import pickle
import pickletools
import zlib
from pathlib import Path
from typing import Any

from denialbench._errors import InputError, UnsafeModelError

__all__ = [
    "MAX_DECOMPRESSED_BYTES",
    "PICKLE_SUFFIXES",
    "SKOPS_SUFFIXES",
    "load_model",
    "scan_pickle_globals",
]

PICKLE_SUFFIXES = frozenset({".pkl", ".pickle", ".joblib"})
SKOPS_SUFFIXES = frozenset({".skops"})

#: A model file may not decompress to more than this (joblib compression).
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024

_WAY_OUT = (
    "If you made this file yourself, pass --trust-pickle (loading a pickle can run "
    "code); otherwise ask for a .skops file (skops.io.dump) or a predictions file "
    "(id,label[,p_deny,...])."
)

# Exact (module, name) pairs outside the class families below: the standard
# containers and numpy's array/scalar reconstructors, which only rebuild data.
_EXACT_ALLOWED = frozenset(
    {
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "slice"),
        ("builtins", "complex"),
        ("builtins", "bytearray"),
        ("builtins", "range"),
        ("collections", "OrderedDict"),
        ("collections", "defaultdict"),
        ("copyreg", "_reconstructor"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("sklearn.tree._tree", "Tree"),
    }
)
_JOBLIB_WRAPPER = ("joblib.numpy_pickle", "NumpyArrayWrapper")


@functools.cache
def _own_safe_classes() -> frozenset[tuple[str, str]]:
    from denialbench.baselines import SAFE_CLASSES

    return frozenset((cls.__module__, cls.__qualname__) for cls in SAFE_CLASSES)


def _resolve(module: str, name: str) -> Any:
    try:
        obj = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj


def is_allowed_global(module: str, name: str, *, joblib_format: bool = False) -> bool:
    """Whether the allowlist admits ``module.name``."""
    if (module, name) in _EXACT_ALLOWED:
        return True
    if joblib_format and (module, name) == _JOBLIB_WRAPPER:
        return True
    if (module, name) in _own_safe_classes():
        return True
    if module == "numpy" or module == "numpy.dtypes":
        import numpy as np

        obj = _resolve(module, name)
        return isinstance(obj, type) and (issubclass(obj, np.generic) or issubclass(obj, np.dtype))
    if module.startswith("scipy.sparse."):
        import scipy.sparse as sp

        obj = _resolve(module, name)
        return isinstance(obj, type) and issubclass(obj, sp.spmatrix | sp.sparray)
    if module.startswith("sklearn."):
        from sklearn.base import BaseEstimator

        obj = _resolve(module, name)
        return isinstance(obj, type) and issubclass(obj, BaseEstimator)
    return False


_STRING_OPS = frozenset(
    {
        "SHORT_BINUNICODE",
        "BINUNICODE",
        "BINUNICODE8",
        "UNICODE",
        "SHORT_BINSTRING",
        "BINSTRING",
        "STRING",
    }
)


def scan_pickle_globals(data: bytes) -> list[str]:
    """List the globals a pickle stream refers to, without executing it.

    Follows GLOBAL, INST and STACK_GLOBAL (including module/name strings
    fetched back from the memo). Used to name every offending global in the
    refusal message; the unpickler's ``find_class`` is what enforces.
    The scan stops at joblib's array wrapper, because raw array bytes follow
    it inside the stream and would read as nonsense opcodes.
    """
    found: list[str] = []
    pushed: list[Any] = []
    memo: dict[object, Any] = {}  # keys: the memo indices genops decodes (ints)
    try:
        for opcode, arg, _ in pickletools.genops(data):
            op = opcode.name
            if op in ("GLOBAL", "INST"):
                found.append(str(arg).replace(" ", "."))
                pushed.append(None)
            elif op in _STRING_OPS:
                pushed.append(arg if isinstance(arg, str) else None)
            elif op == "MEMOIZE":
                memo[len(memo)] = pushed[-1] if pushed else None
            elif op in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo[arg] = pushed[-1] if pushed else None
            elif op in ("GET", "BINGET", "LONG_BINGET"):
                pushed.append(memo.get(arg))
            elif op == "STACK_GLOBAL":
                module, name = (pushed[-2], pushed[-1]) if len(pushed) >= 2 else (None, None)
                if isinstance(module, str) and isinstance(name, str):
                    found.append(f"{module}.{name}")
                pushed.append(None)
            else:
                pushed.append(None)
            if found and found[-1] == ".".join(_JOBLIB_WRAPPER):
                break
    except Exception:
        pass
    return list(dict.fromkeys(found))


class _Refused(pickle.UnpicklingError):
    def __init__(self, module: str, name: str) -> None:
        super().__init__(f"{module}.{name}")
        self.global_name = f"{module}.{name}"


class _JoblibStream(Exception):
    """The stream turned out to be joblib's format: read it with joblib's unpickler."""


class _RestrictedUnpickler(pickle.Unpickler):
    """C unpickler whose ``find_class`` consults the allowlist."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == _JOBLIB_WRAPPER:
            raise _JoblibStream
        if is_allowed_global(module, name):
            return super().find_class(module, name)
        raise _Refused(module, name)


def _restricted_joblib_unpickler():
    from joblib.numpy_pickle import NumpyArrayWrapper, NumpyUnpickler

    class RestrictedJoblibUnpickler(NumpyUnpickler):
        """joblib's unpickler with the allowlist and no object-dtype arrays."""

        dispatch = NumpyUnpickler.dispatch.copy()

        def find_class(self, module: str, name: str) -> Any:
            if is_allowed_global(module, name, joblib_format=True):
                return super().find_class(module, name)
            raise _Refused(module, name)

        def load_build(self) -> None:
            state = self.stack[-1]
            target = self.stack[-2] if len(self.stack) > 1 else None
            if isinstance(target, NumpyArrayWrapper) and isinstance(state, dict):
                dtype = state.get("dtype")
                if getattr(dtype, "hasobject", True):
                    raise UnsafeModelError(
                        "joblib file holds an object-dtype array, which joblib reads with a "
                        "bare pickle.load; refused. " + _WAY_OUT
                    )
            NumpyUnpickler.load_build(self)

        dispatch[pickle.BUILD[0]] = load_build

    return RestrictedJoblibUnpickler


class _CappedReader(io.RawIOBase):
    """A read-only stream that refuses to yield more than ``cap`` bytes."""

    def __init__(self, inner: Any, cap: int, path: Path) -> None:
        self._inner, self._left, self._path = inner, cap, path

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # A request past the cap is refused before anything is inflated, so a
        # stream announcing a huge record costs nothing.
        if size is None or size < 0:
            size = self._left + 1
        if size > self._left:
            raise UnsafeModelError(
                f"{self._path}: decompresses to more than {MAX_DECOMPRESSED_BYTES // 2**20} MiB; "
                "refused as a likely decompression bomb"
            )
        chunk = self._inner.read(size)
        self._left -= len(chunk)
        return chunk

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        out = bytearray()
        while not out.endswith(b"\n"):
            ch = self.read(1)
            if not ch:
                break
            out += ch
        return bytes(out)

    def peek(self, size: int = 1) -> bytes:  # joblib probes with peek on some paths
        return b""


class _ZlibReader(io.RawIOBase):
    """Inflate a zlib stream incrementally, as much as each read asks for."""

    def __init__(self, raw: bytes) -> None:
        self._inflate = zlib.decompressobj()
        self._pending = raw
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while len(self._buffer) < size and (self._pending or self._inflate.unconsumed_tail):
            source = self._inflate.unconsumed_tail or self._pending
            self._pending = b""
            self._buffer += self._inflate.decompress(source, max(size - len(self._buffer), 1 << 16))
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def _open_decompressed(raw: bytes, path: Path) -> tuple[Any, bool]:
    """Return a capped stream over the (possibly compressed) file body."""
    if raw[:2] == b"\x1f\x8b":
        inner: Any = gzip.GzipFile(fileobj=io.BytesIO(raw))
    elif raw[:3] == b"BZh":
        inner = bz2.BZ2File(io.BytesIO(raw))
    elif raw[:6] == b"\xfd7zXZ\x00":
        inner = lzma.LZMAFile(io.BytesIO(raw))
    elif raw[:1] == b"\x78":  # joblib's default zlib container
        inner = _ZlibReader(raw)
    else:
        return io.BytesIO(raw), False
    return io.BufferedReader(_CappedReader(inner, MAX_DECOMPRESSED_BYTES, path)), True


def _refusal(path: Path, offending: list[str]) -> UnsafeModelError:
    listed = ", ".join(offending) if offending else "(unreadable stream)"
    return UnsafeModelError(
        f"{path}: refused to unpickle; it refers to globals outside the allowlist: {listed}. "
        + _WAY_OUT
    )


def _load_pickle(path: Path, raw: bytes) -> Any:
    stream, compressed = _open_decompressed(raw, path)
    try:
        if not compressed:
            try:
                return _RestrictedUnpickler(stream).load()
            except _JoblibStream:
                stream, _ = _open_decompressed(raw, path)
        return _restricted_joblib_unpickler()(str(path), stream, False).load()
    except _Refused as exc:
        # Only now scan the whole stream, so the message names every offender.
        seen = scan_pickle_globals(raw) if not compressed else []
        offending = [
            g for g in seen if not is_allowed_global(*g.rsplit(".", 1), joblib_format=True)
        ]
        raise _refusal(path, offending or [exc.global_name]) from None
    except UnsafeModelError as exc:
        raise UnsafeModelError(f"{path}: {exc}") from None
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        AttributeError,
        zlib.error,
        OSError,
        lzma.LZMAError,
    ) as exc:
        raise InputError(
            f"{path}: not a readable pickle ({type(exc).__name__}: {exc}); the file may be "
            "truncated or of another format"
        ) from None


def _load_skops(path: Path, trusted_types: list[str]) -> Any:
    from skops import io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise InputError(
            f"{path}: not a readable .skops file ({type(exc).__name__}: {exc})"
        ) from None
    own = {f"{m}.{n}" for m, n in _own_safe_classes()}
    refused = [t for t in untrusted if t not in own and t not in trusted_types]
    if refused:
        raise UnsafeModelError(
            f"{path}: holds types skops does not trust: {', '.join(refused)}. If you trust "
            "them, name each with --trust-type TYPE."
        )
    try:
        return sio.load(path, trusted=list(untrusted))
    except Exception as exc:
        raise InputError(f"{path}: skops could not load it ({type(exc).__name__}: {exc})") from None


def load_model(
    path: Path | str, *, trust_pickle: bool = False, trusted_types: list[str] | tuple = ()
) -> Any:
    """Load a model file safely (see the module docstring).

    Raises
    ------
    UnsafeModelError
        The file needs globals or types outside the allowlist.
    InputError
        The file is missing, truncated, or not a model file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PICKLE_SUFFIXES | SKOPS_SUFFIXES:
        raise InputError(
            f"{path}: unknown model format {suffix!r}; use .skops, .pkl/.pickle/.joblib, or a "
            "predictions file (.jsonl/.csv)"
        )
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if suffix in SKOPS_SUFFIXES:
        return _load_skops(path, list(trusted_types))
    raw = path.read_bytes()
    if not raw:
        raise InputError(f"{path}: empty file; expected a pickled model")
    if trust_pickle:
        import joblib

        return joblib.load(path)
    return _load_pickle(path, raw)
