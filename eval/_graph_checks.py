"""The object-graph check every loaded model passes before it may predict.

A file built only from allowlisted classes can still be hostile through its
*data*: a vectorizer told to open files (``input='filename'``), a Pipeline
told to cache to a directory (``memory``), a stacking model told which method
to call (``stack_method_``), a token pattern that backtracks for ever,
``n_jobs`` that starts worker processes, a decision tree whose node is its
own child or names a feature past the end of the row, a sparse matrix whose
indices point outside it, an array whose dtype or strides lie about its
memory. scikit-learn trusts all of these at predict time.

:func:`check_model_graph` walks everything reachable from the model (every
attribute of every estimator, so parameters, fitted attributes, nested
estimators, lists, tuples, dicts and object arrays), refuses what a model
has no reason to hold, and rebuilds every array and sparse matrix from
checked parts, so nothing the file described reaches predict unchecked.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from denialbench._errors import UnsafeModelError
from denialbench.eval._pattern_checks import pattern_problem
from denialbench.eval._reconstructors import dtype_problem, show, show_name
from denialbench.eval._unpickler import sklearn_module_allowed

__all__ = ["MAX_DEPTH", "check_model_graph"]

_FIX = (
    "Models are checked before they predict (see 'Model files are untrusted' in the README); "
    "save the model without it, or submit a predictions file (id,label[,p_deny,...])"
)

#: How deep containers and estimators may nest.
MAX_DEPTH = 64
# Arrays may hold at most this multiple of the bytes the file decodes to, plus
# the slack: arrays are stored raw in every format, so a bigger total means a
# view or a shape that lies about its memory.
_ARRAY_FACTOR = 2
_ARRAY_SLACK = 1 << 20

_SCALARS = (type(None), bool, int, float, complex, str, bytes)
_METHOD_NAMES = frozenset({"predict", "predict_proba", "decision_function", "predict_log_proba"})
_STACK_METHODS = _METHOD_NAMES | {"auto"}
_PATTERN_PARAMS = frozenset({"token_pattern", "pattern", "regex", "regexp"})
_ANALYZERS = frozenset({"word", "char", "char_wb"})
_ACCENTS = frozenset({"ascii", "unicode"})
_MAX_NGRAM = 20
_SPARSE_FORMATS = frozenset({"csr", "csc", "coo"})


@functools.cache
def _vetted_callables() -> dict[int, Any]:
    """Callables a model may hold: a few numpy ufuncs and the project's feature function."""
    from denialbench.baselines import pair_features

    chosen = (np.log1p, np.expm1, np.sqrt, np.square, np.abs, np.log, np.exp, pair_features)
    return {id(f): f for f in chosen}


@functools.cache
def _vetted_types() -> frozenset[type]:
    """Classes a model may hold as a value (``dtype=np.float64``)."""
    return frozenset(
        {float, int, bool, np.float64, np.float32, np.float16, np.int64, np.int32, np.int16}
        | {np.int8, np.uint8, np.uint16, np.uint32, np.uint64, np.bool_}
    )


@functools.cache
def _own_classes() -> frozenset[type]:
    from denialbench.baselines import SAFE_CLASSES

    return frozenset(SAFE_CLASSES)


def _qualified(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"


class _Refusal(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")


class _Walk:
    """One walk over a model's object graph; rebuilds arrays as it goes."""

    def __init__(self, max_bytes: int, trusted: frozenset[str]) -> None:
        self.budget = max_bytes * _ARRAY_FACTOR + _ARRAY_SLACK
        self.trusted = trusted
        self.done: dict[int, Any] = {}
        self.keep: list[Any] = []  # keeps visited objects alive so ids stay unique

    # ------------------------------------------------------------ dispatch

    def visit(self, obj: Any, path: str, depth: int) -> Any:
        if type(obj) in _SCALARS or isinstance(obj, str):
            return obj
        key = id(obj)
        if key in self.done:
            return self.done[key]
        if depth > MAX_DEPTH:
            raise _Refusal(path, f"nested more than {MAX_DEPTH} levels deep")
        self.keep.append(obj)
        out = self._visit(obj, path, depth + 1)
        self.done[key] = out
        return out

    def _visit(self, obj: Any, path: str, depth: int) -> Any:
        from sklearn.base import BaseEstimator

        if isinstance(obj, np.generic):
            problem = dtype_problem(obj.dtype)
            if problem:
                raise _Refusal(path, f"a numpy scalar of {problem}")
            return obj
        if isinstance(obj, np.ndarray):
            return self.array(obj, path, depth)
        if isinstance(obj, np.dtype):
            problem = dtype_problem(obj, allow_object=True)
            if problem:
                raise _Refusal(path, problem)
            return obj
        if _is_sparse(obj):
            return self.sparse(obj, path)
        if type(obj) is list:
            self.done[id(obj)] = obj
            self._fill(obj, enumerate(obj), path, depth)
            return obj
        if type(obj) is tuple:
            return tuple(self.visit(x, f"{path}[{i}]", depth) for i, x in enumerate(obj))
        if isinstance(obj, dict) and _plain_mapping(type(obj), self.trusted):
            self.mapping(obj, path, depth)
            self.attributes(obj, path, depth)
            return obj
        if type(obj) in (set, frozenset):
            for item in obj:
                self.key(item, path)
            return obj
        if type(obj) is slice:
            if not all(v is None or type(v) is int for v in (obj.start, obj.stop, obj.step)):
                raise _Refusal(path, "a slice of something other than integers")
            return obj
        if isinstance(obj, type):
            if obj in _vetted_types() or _qualified(obj) in self.trusted:
                return obj
            raise _Refusal(path, f"the class {show_name(_qualified(obj))} as a value")
        if isinstance(obj, BaseEstimator):
            return self.estimator(obj, path, depth)
        if _is_tree(obj):
            return self.tree(obj, path)
        if callable(obj):
            if id(obj) in _vetted_callables() or _qualified(obj) in self.trusted:
                return obj
            raise _Refusal(
                path,
                f"the callable {show_name(_qualified(obj))}; a model may hold only vetted "
                "functions (numpy's log1p, sqrt, ...) or types named with --trust-type",
            )
        if _qualified(type(obj)) in self.trusted:
            # the user vouched for the type, not for what it holds
            self.done[id(obj)] = obj
            self.attributes(obj, path, depth)
            return obj
        raise _Refusal(path, f"an object of type {show_name(_qualified(type(obj)))}")

    def attributes(self, obj: Any, path: str, depth: int) -> None:
        state = getattr(obj, "__dict__", None)
        if not isinstance(state, dict):
            return
        _check_parameters(state, path)
        for name in list(state):
            if not isinstance(name, str):
                raise _Refusal(path, "an attribute whose name is not a string")
            value = state[name]
            if type(value) not in _SCALARS:
                state[name] = self.visit(value, f"{path}.{name}", depth)

    def _fill(self, target: Any, items: Any, path: str, depth: int) -> None:
        for index, value in items:
            if type(value) not in _SCALARS:
                target[index] = self.visit(value, f"{path}[{index}]", depth)

    def key(self, item: Any, path: str) -> None:
        if type(item) in _SCALARS or isinstance(item, str | np.generic):
            return
        if type(item) is tuple:
            for part in item:
                self.key(part, path)
            return
        raise _Refusal(path, f"a key of type {type(item).__name__}")

    def mapping(self, obj: dict, path: str, depth: int) -> dict:
        self.done[id(obj)] = obj
        key_types = set(map(type, obj))
        if not key_types <= {str, int}:
            for k in obj:
                self.key(k, path)
        value_types = set(map(type, obj.values()))
        if value_types <= set(_SCALARS) | {np.int64, np.int32, np.float64}:
            return obj  # the common case: a vocabulary, plain values
        for k, v in list(obj.items()):
            if type(v) not in _SCALARS:
                obj[k] = self.visit(v, f"{path}[{show(k, 40)}]", depth)
        return obj

    # ------------------------------------------------------------ arrays

    def _spend(self, nbytes: int, path: str) -> None:
        self.budget -= nbytes
        if self.budget < 0:
            raise _Refusal(
                path,
                "the model's arrays take more memory than the file holds; refused as an array "
                "that lies about its size",
            )

    def array(self, a: np.ndarray, path: str, depth: int) -> np.ndarray:
        if type(a) is not np.ndarray:
            raise _Refusal(path, f"an array of subclass {type(a).__name__}")
        problem = dtype_problem(a.dtype, allow_object=True)
        if problem:
            raise _Refusal(path, f"an array of {problem}")
        nbytes = math.prod(a.shape) * a.dtype.itemsize
        if a.size > 1 and not (a.flags.c_contiguous or a.flags.f_contiguous):
            raise _Refusal(path, "an array view with unusual strides (not a plain array)")
        if a.size > 1 and any(s == 0 for s, n in zip(a.strides, a.shape, strict=True) if n > 1):
            raise _Refusal(path, "an array view with zero strides (not a plain array)")
        self._spend(nbytes, path)
        if a.dtype.kind != "O":
            return np.array(a, copy=True, order="K")
        out = np.empty(a.shape, dtype=object)
        self.done[id(a)] = out
        for index, value in enumerate(a.flat):
            out.flat[index] = self.visit(value, f"{path}[{index}]", depth)
        return out

    def sparse(self, m: Any, path: str) -> Any:
        cls = type(m)
        if m.format not in _SPARSE_FORMATS:
            raise _Refusal(path, f"a sparse matrix of format {show(m.format)}")
        shape = getattr(m, "_shape", None)
        if not (
            isinstance(shape, tuple)
            and len(shape) == 2
            and all(type(n) is int and 0 <= n < 2**40 for n in shape)
        ):
            raise _Refusal(path, "a sparse matrix with a malformed shape")
        names = ("data", "coords") if m.format == "coo" else ("data", "indices", "indptr")
        parts: dict[str, Any] = {}
        for name in names:
            value = m.__dict__.get(name)
            if name == "coords":
                if not isinstance(value, tuple) or len(value) != 2:
                    raise _Refusal(path, "a sparse matrix without coordinates")
                parts[name] = tuple(self._index_array(v, f"{path}.{name}") for v in value)
            elif name == "data":
                if not isinstance(value, np.ndarray) or dtype_problem(value.dtype):
                    raise _Refusal(path, "a sparse matrix whose data is not a plain array")
                parts[name] = self.array(value, f"{path}.data", 0)
            else:
                parts[name] = self._index_array(value, f"{path}.{name}")
        try:
            if m.format == "coo":
                rebuilt = cls((parts["data"], parts["coords"]), shape=shape)
            else:
                rebuilt = cls((parts["data"], parts["indices"], parts["indptr"]), shape=shape)
                rebuilt.check_format(full_check=True)
        except Exception as exc:
            raise _Refusal(
                path, f"a sparse matrix that fails its format check ({type(exc).__name__})"
            ) from None
        return rebuilt

    def _index_array(self, value: Any, path: str) -> np.ndarray:
        if not isinstance(value, np.ndarray) or value.dtype not in (np.int32, np.int64):
            raise _Refusal(path, "a sparse index that is not an int32/int64 array")
        return self.array(value, path, 0)

    # ------------------------------------------------------------ estimators

    def estimator(self, est: Any, path: str, depth: int) -> Any:
        cls = type(est)
        allowed = (
            cls in _own_classes()
            or sklearn_module_allowed(cls.__module__)
            or _qualified(cls) in self.trusted
        )
        if not allowed:
            raise _Refusal(path, f"an estimator of class {show_name(_qualified(cls))}")
        state = getattr(est, "__dict__", None)
        if not isinstance(state, dict):
            raise _Refusal(path, "an estimator without attributes")
        self.done[id(est)] = est
        self.attributes(est, path, depth)
        if "classes_" in state:
            _check_classes(state["classes_"], f"{path}.classes_")
        if isinstance(state.get("vocabulary_"), dict):
            _check_vocabulary(state["vocabulary_"], f"{path}.vocabulary_")
        tree: Any = state.get("tree_")
        if _is_tree(tree) and state.get("n_features_in_", tree.n_features) != tree.n_features:
            raise _Refusal(f"{path}.tree_", "a decision tree over another number of features")
        return est

    def tree(self, tree: Any, path: str) -> Any:
        count = tree.node_count
        if not 1 <= count <= tree.capacity:
            raise _Refusal(path, "a decision tree whose node count exceeds its node storage")
        n_classes = np.asarray(tree.n_classes)
        if tree.n_outputs < 1 or int(n_classes.max(initial=0)) != tree.max_n_classes:
            raise _Refusal(path, "a decision tree whose class counts disagree")
        nodes = tree.__getstate__()["nodes"]
        left, right = nodes["left_child"], nodes["right_child"]
        feature = nodes["feature"]
        index = np.arange(count)
        leaf = left == -1
        if not np.array_equal(leaf, right == -1):
            raise _Refusal(path, "a decision tree node with only one child")
        inner = ~leaf
        forward = (left > index) & (left < count) & (right > index) & (right < count)
        if not forward[inner].all():
            raise _Refusal(
                path,
                "a decision tree whose child indices point backwards or past the end "
                "(a cycle or an out-of-range node)",
            )
        if not ((feature[inner] >= 0) & (feature[inner] < tree.n_features)).all():
            raise _Refusal(path, "a decision tree node that names a feature past the end")
        self._spend(nodes.nbytes + count * tree.n_outputs * tree.max_n_classes * 8, path)
        return tree


def _plain_mapping(cls: type, trusted: frozenset[str]) -> bool:
    return (
        cls.__module__ in ("builtins", "collections")
        or (cls.__module__, cls.__qualname__) == ("sklearn.utils._bunch", "Bunch")
        or _qualified(cls) in trusted
    )


def _is_sparse(obj: Any) -> bool:
    module = type(obj).__module__
    if not module.startswith("scipy.sparse"):
        return False
    import scipy.sparse as sp

    return isinstance(obj, sp.spmatrix | sp.sparray)


def _is_tree(obj: Any) -> bool:
    cls = type(obj)
    return (cls.__module__, cls.__qualname__) == ("sklearn.tree._tree", "Tree")


def _check_parameters(state: dict, path: str) -> None:
    """The parameters that make predict read files, start processes or call methods."""
    for name, value in state.items():
        where = f"{path}.{name}"
        if name == "input" and value != "content":
            raise _Refusal(
                where,
                f"{show(value)}; a vectorizer must read the texts it is given, never files "
                "named by them: set input='content' before saving",
            )
        if name == "memory" and value is not None:
            raise _Refusal(
                where,
                "a cache location; a model may not write to disk: set memory=None before saving",
            )
        if name == "n_jobs" and not (value is None or (type(value) is int and value == 1)):
            raise _Refusal(
                where,
                f"{show(value)}; a model may not start worker processes: set n_jobs=None "
                "before saving",
            )
        if name in ("stack_method_", "response_method", "_response_method", "stack_method"):
            names = value if isinstance(value, list | tuple | np.ndarray) else [value]
            if not all(isinstance(n, str) and n in _STACK_METHODS for n in names):
                raise _Refusal(
                    where,
                    "names a method outside predict, predict_proba, decision_function; a "
                    "model may not choose which of its methods evaluate calls",
                )
        if name in _PATTERN_PARAMS and value is not None:
            problem = pattern_problem(value)
            if problem:
                raise _Refusal(where, problem)
        if name == "analyzer" and isinstance(value, str) and value not in _ANALYZERS:
            raise _Refusal(where, f"an unknown analyzer {show(value)}")
        if name == "strip_accents" and isinstance(value, str) and value not in _ACCENTS:
            raise _Refusal(where, f"an unknown accent stripping {show(value)}")
        if name == "ngram_range" and not _small_range(value):
            raise _Refusal(where, f"n-grams longer than {_MAX_NGRAM} or a malformed range")


def _small_range(value: Any) -> bool:
    return (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(type(n) is int for n in value)
        and 1 <= value[0] <= value[1] <= _MAX_NGRAM
    )


def _check_vocabulary(vocabulary: dict, path: str) -> None:
    """Column indices of a vectorizer: each of 0..n-1 once, as scikit-learn builds them.

    They become the column indices of a sparse matrix without a range check,
    and an index past the end makes the matrix products write out of bounds.
    """
    columns = np.array(list(vocabulary.values()))
    if columns.size == 0:
        return
    if columns.ndim != 1 or columns.dtype.kind not in "iu":
        raise _Refusal(path, "a vocabulary whose column indices are not integers")
    if (
        columns.min() < 0
        or columns.max() >= columns.size
        or not (np.bincount(columns, minlength=columns.size) == 1).all()
    ):
        raise _Refusal(path, "a vocabulary whose column indices are not 0..n-1, each once")


def _check_classes(classes: Any, path: str) -> None:
    arrays = classes if isinstance(classes, list) else [classes]
    for array in arrays:
        if not isinstance(array, np.ndarray) or array.ndim != 1:
            raise _Refusal(path, "classes_ must be a one-dimensional array of labels")
        if array.dtype.kind == "O" and not all(
            isinstance(x, str | int | np.integer | np.str_) for x in array
        ):
            raise _Refusal(path, "classes_ holds something other than labels")
        if array.dtype.kind not in "biufUSO":
            raise _Refusal(path, f"classes_ of dtype kind {array.dtype.kind!r}")


def check_model_graph(
    model: Any, *, source: str, max_bytes: int, trusted_types: tuple[str, ...] = ()
) -> Any:
    """Check everything reachable from ``model``; return it with its arrays rebuilt.

    Parameters
    ----------
    model : object
        What the safe loader returned.
    source : str
        The file, for messages.
    max_bytes : int
        The bytes the file decodes to; the arrays may not take much more.
    trusted_types : tuple of str
        Types (and callables) the user named with ``--trust-type``.

    Raises
    ------
    UnsafeModelError
        Naming the attribute path and what is wrong with it.
    """
    walk = _Walk(max_bytes, frozenset(trusted_types))
    try:
        return walk.visit(model, "model", 0)
    except _Refusal as exc:
        raise UnsafeModelError(f"{source}: refused: {exc}. {_FIX}") from None
    except (Exception, RecursionError) as exc:
        raise UnsafeModelError(
            f"{source}: refused: checking the model raised {type(exc).__name__}"
        ) from None
