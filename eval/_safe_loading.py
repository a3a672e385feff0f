"""Loading model files somebody else made, without letting them run code.

- ``.skops`` files go through :mod:`skops.io`; types it does not trust are
  listed and refused unless the user names them (``--trust-type``). This
  package's own baseline classes are trusted.
  The archive's sizes and array headers are checked first
  (:mod:`._archive_checks`), so a decompression or allocation bomb is refused
  before skops reads anything.
- ``.pkl`` / ``.pickle`` / ``.joblib`` files go through an allowlist
  unpickler (the "restricting globals" pattern of the :mod:`pickle` docs,
  :mod:`._unpickler`): every global the stream asks for must be a known-safe
  class from scikit-learn, numpy, scipy.sparse, the standard containers, or
  this package's baselines, or one of the few numpy reconstructors, which
  are replaced by checked versions (:mod:`._reconstructors`). Joblib array
  records are read only for non-object dtypes, because joblib reads object
  arrays with a bare ``pickle.load``. Compressed joblib files are read through
  a size cap, so a decompression bomb fails fast.
- Every loaded model then passes the object-graph checks
  (:mod:`._graph_checks`) before :func:`load_model` returns it.

Every failure is an :class:`~denialbench.InputError` (mostly
:class:`~denialbench.UnsafeModelError`) with a short, escaped message: never a
traceback. Loading a pickle with ``trust_pickle=True`` skips all of this and
can run arbitrary code: it is for files you made yourself.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import pickle
import pickletools
import struct
import zlib
from pathlib import Path
from typing import Any

from denialbench._errors import InputError, UnsafeModelError
from denialbench.eval._archive_checks import check_skops_archive
from denialbench.eval._graph_checks import check_model_graph
from denialbench.eval._reconstructors import show, show_name
from denialbench.eval._unpickler import (
    JOBLIB_WRAPPER,
    JoblibStream,
    Refused,
    is_allowed_global,
    make_unpickler,
)

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
_JOBLIB_WRAPPER = JOBLIB_WRAPPER


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
    listed = ", ".join(show_name(g) for g in offending) if offending else "(unreadable stream)"
    return UnsafeModelError(
        f"{path}: refused to unpickle; it refers to globals outside the allowlist: {listed}. "
        + _WAY_OUT
    )


# Exceptions that mean "this is not an intact pickle" rather than "this file
# tried something": reported as a damaged file.
_DAMAGED = (
    pickle.UnpicklingError,
    EOFError,
    IndexError,
    zlib.error,
    lzma.LZMAError,
    OSError,
    struct.error,
)


def _unpickle(path: Path, raw: bytes) -> tuple[Any, int]:
    """The object in a pickle or joblib file, and a bound on the bytes it could hold."""
    stream, compressed = _open_decompressed(raw, path)
    bound = MAX_DECOMPRESSED_BYTES if compressed else len(raw)
    if not compressed:
        try:
            return make_unpickler(
                stream, size_bound=bound, joblib_format=False, filename=str(path), data=raw
            ).load(), bound
        except JoblibStream:
            stream, _ = _open_decompressed(raw, path)
    unpickler = make_unpickler(
        stream,
        size_bound=bound,
        joblib_format=True,
        filename=str(path),
        data=None if compressed else raw,
    )
    return unpickler.load(), bound


def _load_pickle(path: Path, raw: bytes) -> tuple[Any, int]:
    try:
        return _unpickle(path, raw)
    except Refused as exc:
        # Only now scan the whole stream, so the message names every offender.
        seen = scan_pickle_globals(raw)
        offending = [g for g in seen if "." in g and not _allowed_name(g)]
        raise _refusal(path, offending or [exc.global_name]) from None
    except UnsafeModelError as exc:
        raise UnsafeModelError(f"{path}: refused: {exc}. {_WAY_OUT}") from None
    except _DAMAGED as exc:
        raise InputError(
            f"{path}: not a readable pickle ({type(exc).__name__}: {show(str(exc), 120)}); the "
            "file may be truncated or of another format"
        ) from None
    except (Exception, RecursionError) as exc:
        # Anything else (MemoryError, OverflowError, LookupError, a numpy or
        # scikit-learn error in a constructor) is the file's doing.
        raise UnsafeModelError(
            f"{path}: refused: loading it raised {type(exc).__name__} "
            f"({show(str(exc), 120)}). {_WAY_OUT}"
        ) from None


def _allowed_name(dotted: str) -> bool:
    module, _, name = dotted.rpartition(".")
    return is_allowed_global(module, name, joblib_format=True)


def _load_skops(path: Path, trusted_types: list[str]) -> tuple[Any, int]:
    from skops import io as sio

    bound = check_skops_archive(path)
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise InputError(
            f"{path}: not a readable .skops file ({type(exc).__name__}: {show(str(exc), 120)})"
        ) from None
    own = {f"{cls.__module__}.{cls.__qualname__}" for cls in _own_classes()}
    refused = [t for t in untrusted if t not in own and t not in trusted_types]
    if refused:
        raise UnsafeModelError(
            f"{path}: holds types skops does not trust: {', '.join(show_name(t) for t in refused)}."
            " If you trust them, name each with --trust-type TYPE."
        )
    try:
        return sio.load(path, trusted=list(untrusted)), bound
    except UnsafeModelError as exc:
        raise UnsafeModelError(f"{path}: refused: {exc}") from None
    except (Exception, RecursionError) as exc:
        raise UnsafeModelError(
            f"{path}: skops could not load it ({type(exc).__name__}: {show(str(exc), 120)})"
        ) from None


def _own_classes() -> tuple[type, ...]:
    from denialbench.baselines import SAFE_CLASSES

    return SAFE_CLASSES


def load_model(
    path: Path | str, *, trust_pickle: bool = False, trusted_types: list[str] | tuple = ()
) -> Any:
    """Load a model file safely and check its object graph (see the module docstring).

    Raises
    ------
    UnsafeModelError
        The file needs globals or types outside the allowlist, or its object
        graph holds something a model must not (see :mod:`._graph_checks`).
    InputError
        The file is missing, truncated, or not a model file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PICKLE_SUFFIXES | SKOPS_SUFFIXES:
        raise InputError(
            f"{path}: unknown model format {suffix or 'no suffix'!r}; give a .skops or "
            ".pkl/.pickle/.joblib model file"
        )
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a .skops or .pkl/.pickle/.joblib model file")
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    if suffix in SKOPS_SUFFIXES:
        model, bound = _load_skops(path, list(trusted_types))
        model = check_model_graph(
            model, source=str(path), max_bytes=bound, trusted_types=tuple(trusted_types)
        )
        return _require_estimator(model, path, tuple(trusted_types))
    raw = path.read_bytes()
    if not raw:
        raise InputError(f"{path}: empty file; expected a pickled model")
    if trust_pickle:
        return _load_trusted_pickle(path)
    model, bound = _load_pickle(path, raw)
    return _require_estimator(check_model_graph(model, source=str(path), max_bytes=bound), path)


def _require_estimator(model: Any, path: Path, trusted_types: tuple[str, ...] = ()) -> Any:
    """Refuse a file whose top object is not an estimator (a dict, a list, a Bunch).

    A Bunch answers attribute lookups from its keys, so as the model it would let
    the file choose what ``predict`` calls.
    """
    from sklearn.base import BaseEstimator

    cls = type(model)
    if (
        isinstance(model, BaseEstimator)
        or cls in _own_classes()
        or f"{cls.__module__}.{cls.__qualname__}" in trusted_types
    ):
        return model
    raise UnsafeModelError(
        f"{path}: refused: the file holds a {show_name(cls.__qualname__)}, not a model; "
        "a model must be an estimator (scikit-learn's or this package's). Save the fitted "
        "estimator itself, or submit a predictions file (id,label[,p_deny,...])."
    )


def _load_trusted_pickle(path: Path) -> Any:
    """``joblib.load``, with the user's fixes for what commonly fails."""
    import joblib

    try:
        return joblib.load(path)
    except ModuleNotFoundError as exc:
        raise InputError(
            f"{path}: the model needs module {exc.name!r}, which is not importable here; install "
            "the package that defines the model's classes, or put the folder of its module on "
            "PYTHONPATH, and run again"
        ) from None
    except (ImportError, AttributeError) as exc:
        raise InputError(
            f"{path}: the model refers to a class or function that cannot be imported "
            f"({type(exc).__name__}: {exc}); install the version of the package that defines "
            "it, or put its module on PYTHONPATH"
        ) from None
    except (pickle.UnpicklingError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
        raise InputError(
            f"{path}: not a readable pickle ({type(exc).__name__}: {exc}); the file may be "
            "truncated or of another format"
        ) from None
