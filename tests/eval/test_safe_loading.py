"""The allowlist unpickler and the skops loader against hostile files.

Each hostile file carries a payload that would create a sentinel file; the
test asserts the load is refused with a clear message and the sentinel
never appears.
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from denialbench import InputError, UnsafeModelError
from denialbench.baselines import make_pair_tfidf
from denialbench.eval import load_model, scan_pickle_globals

TOY = pd.DataFrame(
    {
        "id": list("abcdefgh"),
        "claim": ["Ann met Bo in Rome"] * 8,
        "response": [
            "They never met",
            "Yes we met",
            "No comment",
            "The weather",
            "Untrue",
            "Indeed so",
            "Ask them",
            "Unrelated",
        ],
    }
)
TOY_LABELS = ["deny", "confirm", "evade", "unrelated"] * 2


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _call(module: str, name: str, *args: str, proto0: bool = True) -> bytes:
    """A protocol-0 stream calling module.name(*args) via REDUCE."""
    body = b"".join(b"V" + a.encode("raw_unicode_escape") + b"\n" for a in args)
    return _global(module, name) + b"(" + body + b"tR."


def _nested(outer_module: str, outer_name: str, inner: bytes) -> bytes:
    """outer(bytes_arg) with a binary bytes argument (protocol 3 opcodes)."""
    return (
        (
            b"\x80\x03"
            + _global(outer_module, outer_name)
            + b"(C"
            + bytes([len(inner)])
            + inner
            + b"tR."
        )
        if len(inner) < 256
        else b""
    )


class _Reduce:
    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _payloads(sentinel: Path) -> dict[str, bytes]:
    import functools
    import operator
    import os
    import subprocess

    touch = f"touch {sentinel}"
    write = f"open({str(sentinel)!r}, 'w').write('x')"
    memo_stack_global = (
        b"\x80\x04\x95"
        + struct.pack("<Q", 0)
        + b"\x8c\x02os\x94\x8c\x06system\x94h\x00h\x01\x93"
        + b"\x8c"
        + bytes([len(touch)])
        + touch.encode()
        + b"\x85R."
    )
    inner = _call("os", "system", touch)
    return {
        "os.system": _call("os", "system", touch),
        "posix.system via pickle.dumps": pickle.dumps(_Reduce(os.system, (touch,)), protocol=2),
        "posix.system": _call("posix", "system", touch),
        "subprocess.Popen": pickle.dumps(_Reduce(subprocess.Popen, (["touch", str(sentinel)],))),
        "subprocess.call": _call("subprocess", "call", touch),
        "subprocess.check_output": _call("subprocess", "check_output", touch),
        "builtins.eval": _call("builtins", "eval", write),
        "builtins.exec": _call("builtins", "exec", write),
        "__builtin__.eval (protocol 0 name)": _call("__builtin__", "eval", write),
        "builtins.open": _call("builtins", "open", str(sentinel), "w"),
        "builtins.getattr": _global("builtins", "getattr")
        + b"("
        + _global("os", "path")[:-1]
        + b"\nVexists\ntR.",
        "builtins.__import__": _call("builtins", "__import__", "os"),
        "importlib.import_module": _call("importlib", "import_module", "os"),
        "runpy.run_path": _call("runpy", "run_path", str(sentinel.with_suffix(".py"))),
        "nested pickle.loads": _nested("pickle", "loads", inner),
        "functools.partial": pickle.dumps(_Reduce(functools.partial, (os.system, touch))),
        "operator.attrgetter": pickle.dumps(_Reduce(operator.attrgetter, ("system",))),
        "operator.methodcaller": pickle.dumps(_Reduce(operator.methodcaller, ("system", touch))),
        "protocol 0 INST": b"(V" + touch.encode() + b"\nios\nsystem\n.",
        "STACK_GLOBAL via memo": memo_stack_global,
        "numpy.testing runstring": _call("numpy.testing._private.utils", "runstring", write, "{}"),
        "sklearn function": _call("sklearn.utils.parallel", "delayed", "x"),
        "shutil.rmtree": _call("shutil", "rmtree", str(sentinel.parent / "nothing-here")),
    }


PAYLOAD_NAMES = sorted(_payloads(Path("/tmp/x")))


@pytest.mark.parametrize("name", PAYLOAD_NAMES)
@pytest.mark.parametrize("suffix", [".pkl", ".joblib"])
def test_hostile_pickle_is_refused(tmp_path, name, suffix):
    sentinel = tmp_path / "PWNED"
    (tmp_path / "PWNED.py").write_text(f"open({str(sentinel)!r}, 'w')\n")
    path = tmp_path / f"model{suffix}"
    path.write_bytes(_payloads(sentinel)[name])
    with pytest.raises(InputError) as info:
        load_model(path)
    message = str(info.value)
    assert str(path) in message
    assert not sentinel.exists()
    if isinstance(info.value, UnsafeModelError):
        assert "--trust-pickle" in message and "skops" in message


def test_refusal_lists_every_offending_global(tmp_path):
    path = tmp_path / "m.pkl"
    stream = pickle.dumps([_Reduce(print, ("a",)), _Reduce(eval, ("1",))], protocol=4)
    path.write_bytes(stream)
    with pytest.raises(UnsafeModelError) as info:
        load_model(path)
    assert "builtins.print" in str(info.value) and "builtins.eval" in str(info.value)


def test_scan_follows_stack_global_through_the_memo():
    stream = pickle.dumps(_Reduce(eval, ("1",)), protocol=4)
    assert "builtins.eval" in scan_pickle_globals(stream)


def test_joblib_object_array_is_refused(tmp_path):
    sentinel = tmp_path / "PWNED"
    import os

    payload = np.empty(1, dtype=object)
    payload[0] = _Reduce(os.system, (f"touch {sentinel}",))
    path = tmp_path / "objects.joblib"
    joblib.dump({"weights": payload}, path)
    with pytest.raises(InputError):
        load_model(path)
    assert not sentinel.exists()


def test_joblib_object_array_even_of_safe_objects_is_refused(tmp_path):
    path = tmp_path / "objects.joblib"
    joblib.dump(np.array(["a", 1], dtype=object), path)
    with pytest.raises(UnsafeModelError, match="object-dtype"):
        load_model(path)


def test_decompression_bomb_is_refused_fast(tmp_path):
    # A valid pickle header announcing a 1 GiB bytes record, gzip-compressed.
    header = b"\x80\x04\x8e" + struct.pack("<Q", 1 << 30)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as gz:
        gz.write(header)
        chunk = bytes(1 << 20)
        for _ in range(64):
            gz.write(chunk)
    path = tmp_path / "bomb.joblib"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 1 << 20  # small on disk
    with pytest.raises(UnsafeModelError, match="decompression bomb"):
        load_model(path)


def test_truncated_and_non_pickle_files(tmp_path):
    model = make_pair_tfidf(max_features=50).fit(TOY, TOY_LABELS)
    whole = pickle.dumps(model, protocol=5)
    (tmp_path / "cut.pkl").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match="truncated"):
        load_model(tmp_path / "cut.pkl")
    (tmp_path / "text.pkl").write_text("this is not a pickle at all\n")
    with pytest.raises(InputError):
        load_model(tmp_path / "text.pkl")
    (tmp_path / "empty.pkl").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_model(tmp_path / "empty.pkl")
    (tmp_path / "m.bin").write_bytes(whole)
    with pytest.raises(InputError, match="unknown model format"):
        load_model(tmp_path / "m.bin")


def test_real_models_load_as_pickle_joblib_and_skops(tmp_path):
    import skops.io as sio

    model = make_pair_tfidf(max_features=50).fit(TOY, TOY_LABELS)
    expected = model.predict(TOY)
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(model, protocol=5))
    sio.dump(model, tmp_path / "m.skops")
    for name in ("m.pkl", "m.skops"):
        loaded = load_model(tmp_path / name)
        assert list(loaded.predict(TOY)) == list(expected), name
    # joblib stores the pipeline's column names as an object array: refused
    joblib.dump(model, tmp_path / "m.joblib")
    with pytest.raises(UnsafeModelError, match="object-dtype"):
        load_model(tmp_path / "m.joblib")


def test_numeric_joblib_files_load_plain_and_compressed(tmp_path):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    model = LogisticRegression().fit(X, y)
    joblib.dump(model, tmp_path / "m.joblib")
    joblib.dump(model, tmp_path / "mz.joblib", compress=3)
    joblib.dump(model, tmp_path / "mg.joblib", compress=("gzip", 3))
    for name in ("m.joblib", "mz.joblib", "mg.joblib"):
        assert (load_model(tmp_path / name).predict(X) == model.predict(X)).all(), name


def _double(x):
    return 2 * x


def test_skops_untrusted_type_is_refused_and_can_be_trusted(tmp_path):
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    model = FunctionTransformer(_double)
    sio.dump(model, tmp_path / "f.skops")
    with pytest.raises(UnsafeModelError, match="--trust-type"):
        load_model(tmp_path / "f.skops")
    untrusted = sio.get_untrusted_types(file=tmp_path / "f.skops")
    loaded = load_model(tmp_path / "f.skops", trusted_types=untrusted)
    assert isinstance(loaded, FunctionTransformer)


def test_cli_refuses_a_hostile_pickle_with_exit_2(cli, tmp_path):
    sentinel = tmp_path / "PWNED"
    path = tmp_path / "evil.pkl"
    path.write_bytes(_payloads(sentinel)["os.system"])
    result = cli("evaluate", path)
    assert result.exit_code == 2
    assert "os.system" in result.output and "Traceback" not in result.output
    assert not sentinel.exists()


def test_trusted_pickle_of_a_missing_module_says_how_to_fix(tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(b"cno_such_module_for_tests\nModel\n)\x81.")
    with pytest.raises(InputError, match=r"module 'no_such_module_for_tests'.*PYTHONPATH"):
        load_model(path, trust_pickle=True)


def test_a_folder_is_named_as_a_folder(tmp_path):
    folder = tmp_path / "model.skops"
    folder.mkdir()
    with pytest.raises(InputError, match="is a folder"):
        load_model(folder)


# ---------------------------------------------------------------- hostile data, allowlisted globals


class _WithState:
    """Pickles as func(*args) followed by a BUILD of ``state``."""

    def __init__(self, func, args, state):
        self.func, self.args, self.state = func, args, state

    def __reduce__(self):
        return self.func, self.args, self.state


def _in_model(payload) -> bytes:
    """A fitted model carrying ``payload`` as a fitted attribute."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(np.eye(4), TOY_LABELS[:4])
    model.payload_ = payload
    return pickle.dumps(model, protocol=4)


def _run_cli(path: Path) -> subprocess.CompletedProcess:
    """The CLI in a child process, so that a memory-unsafe regression cannot kill pytest."""
    return subprocess.run(
        [sys.executable, "-m", "denialbench", "evaluate", str(path), "--bootstrap", "10"],
        capture_output=True,
        text=True,
        timeout=60,
    )


DTYPE_ATTACKS = {
    # a field far past the end of an 8-byte item: reads of it leak heap
    "field larger than the item": (
        "V8",
        (3, "|", None, ("a",), {"a": (np.dtype("f8"), 4096)}, 8, 1, 16),
    ),
    # object dtype whose flags say "no objects": raw bytes become pointers
    "object flags cleared": ("O8", (3, "|", None, None, None, -1, -1, 0)),
    # a float64 whose item size grew
    "item size changed": ("f8", (3, "<", None, None, None, 4096, 8, 0)),
    # a plain void dtype (raw memory) with no fields
    "void dtype": ("V16", (3, "|", None, None, None, 16, 1, 0)),
}


@pytest.mark.parametrize("name", sorted(DTYPE_ATTACKS))
def test_dtype_states_that_change_memory_layout_are_refused(tmp_path, name):
    kind, state = DTYPE_ATTACKS[name]
    dtype = _WithState(np.dtype, (kind, False, True), state)
    path = tmp_path / "model.pkl"
    path.write_bytes(_in_model(dtype))
    done = _run_cli(path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "dtype" in done.stderr and "Traceback" not in done.stderr


def test_builtin_dtype_is_never_shared_with_the_file(tmp_path):
    # copy=False would hand the file numpy's own float64 dtype to BUILD on
    dtype = _WithState(np.dtype, ("f8", False, False), (3, ">", None, None, None, -1, -1, 0))
    path = tmp_path / "model.pkl"
    path.write_bytes(_in_model(dtype))
    load_model(path)
    assert np.dtype("f8").byteorder == "="


def test_structured_array_in_a_skops_file_is_refused_before_loading(tmp_path):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    for dtype in ([("a", "f8"), ("b", "i4")], "V8"):
        model = LogisticRegression().fit(np.eye(4), TOY_LABELS[:4])
        model.payload_ = np.zeros(3, dtype=dtype)
        sio.dump(model, tmp_path / "m.skops")
        with pytest.raises(UnsafeModelError, match="structured or void"):
            load_model(tmp_path / "m.skops")


MEMO_BOMBS = [
    b"\x80\x04Nr\xf0\xff\xff\xff.",  # LONG_BINPUT with a 4 G index: 9 bytes
    b"\x80\x02Np99999999999\n.",  # PUT with a huge index
]


@pytest.mark.parametrize("stream", MEMO_BOMBS)
def test_memo_index_bombs_are_refused(tmp_path, stream):
    path = tmp_path / "bomb.pkl"
    path.write_bytes(stream)
    with pytest.raises(UnsafeModelError, match="memo index"):
        load_model(path)


LENGTH_BOMBS = [
    b"\x80\x05\x96" + struct.pack("<Q", 3 << 30) + b".",  # BYTEARRAY8
    b"\x80\x04\x8e" + struct.pack("<Q", 1 << 40) + b".",  # BINBYTES8
    b"\x80\x04\x8d" + struct.pack("<Q", 1 << 40) + b".",  # BINUNICODE8
    b"\x80\x04\x95" + struct.pack("<Q", 1 << 50) + b"N.",  # FRAME
]


@pytest.mark.parametrize("stream", LENGTH_BOMBS)
def test_length_fields_larger_than_the_file_are_refused(tmp_path, stream):
    path = tmp_path / "bomb.pkl"
    path.write_bytes(stream)
    with pytest.raises(UnsafeModelError, match="memory or decompression bomb"):
        load_model(path)


BYTEARRAY_BOMBS = [
    _Reduce(bytearray, (3 << 30,)),
    _Reduce(bytearray, ("x", "utf-32")),
]


@pytest.mark.parametrize("payload", BYTEARRAY_BOMBS)
def test_bytearray_from_a_size_is_refused(tmp_path, payload):
    path = tmp_path / "bomb.pkl"
    path.write_bytes(_in_model(payload))
    with pytest.raises(UnsafeModelError, match="bytearray"):
        load_model(path)


SIZED_CONSTRUCTORS = dict(
    zip(
        ["ndarray view", "_reconstruct shape", "csr from shape", "set of range"],
        [
            # a zero-stride view of 10**9 elements over one byte
            _Reduce(np.ndarray, ((10**9,), np.dtype("u1"), b"x", 0, (0,))),
            # numpy's placeholder asked for a huge shape
            _Reduce(np._core.multiarray._reconstruct, (np.ndarray, (10**12,), b"b")),
            # a sparse matrix allocated from a shape
            _Reduce(__import__("scipy.sparse").sparse.csr_matrix, ((10**10, 10**10),)),
            _Reduce(set, (range(10**12),)),
        ],
        strict=True,
    )
)


@pytest.mark.parametrize("payload", SIZED_CONSTRUCTORS.values(), ids=SIZED_CONSTRUCTORS.keys())
def test_constructors_called_with_sizes_are_refused(tmp_path, payload):
    path = tmp_path / "bomb.pkl"
    path.write_bytes(_in_model(payload))
    with pytest.raises(UnsafeModelError):
        load_model(path)


def _wrapper_stream(tuple_state: bool, **attributes) -> bytes:
    """joblib's array record, with its BUILD state as a dict or a (None, dict) tuple."""
    import copyreg

    from joblib.numpy_pickle import NumpyArrayWrapper

    state = {
        "subclass": np.ndarray,
        "shape": (4,),
        "order": "C",
        "dtype": np.dtype("f8"),
        "allow_mmap": False,
        "numpy_array_alignment_bytes": None,
        **attributes,
    }
    wrapper = NumpyArrayWrapper.__new__(NumpyArrayWrapper)
    reduced = (copyreg.__newobj__, (NumpyArrayWrapper,), (None, state) if tuple_state else state)
    wrapper.__reduce_ex__ = lambda protocol: reduced
    return pickle.dumps(wrapper, protocol=4)


@pytest.mark.parametrize("tuple_state", [False, True], ids=["dict state", "tuple state"])
def test_joblib_object_arrays_are_refused_whatever_the_state_form(tmp_path, tuple_state):
    sentinel = tmp_path / "PWNED"
    import os

    stream = _wrapper_stream(tuple_state, dtype=np.dtype("O"))
    stream = stream[:-1] + pickle.dumps(_Reduce(os.system, (f"touch {sentinel}",)), protocol=4)
    path = tmp_path / "objects.joblib"
    path.write_bytes(stream)
    with pytest.raises(UnsafeModelError, match="object-dtype"):
        load_model(path)
    assert not sentinel.exists()


@pytest.mark.parametrize("tuple_state", [False, True], ids=["dict state", "tuple state"])
def test_joblib_array_shape_larger_than_the_file_is_refused(tmp_path, tuple_state):
    path = tmp_path / "bomb.joblib"
    path.write_bytes(_wrapper_stream(tuple_state, shape=(1 << 40,)))
    with pytest.raises(UnsafeModelError, match="larger than the file"):
        load_model(path)


_REFUSED_MODULES = [
    "sklearn.experimental.enable_iterative_imputer",
    "sklearn.utils._testing",
    "scipy.sparse.linalg._eigen._svds_doc",
    "sklearn.datasets._openml",
    "sklearn.linear_model.tests.test_logistic",
]


@pytest.mark.parametrize("module", _REFUSED_MODULES)
def test_a_refused_global_never_imports_its_module(tmp_path, module):
    path = tmp_path / "m.pkl"
    path.write_bytes(_global(module, "Anything") + b")R.")
    code = (
        "import sys\n"
        "from denialbench.eval import load_model\n"
        "try:\n"
        f"    load_model({str(path)!r})\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        f"print({module!r} in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["UnsafeModelError", "False"], done.stderr[-2000:]


CLASS_STATES = dict(
    zip(
        ["csr_matrix slots", "estimator class dict", "reconstructor"],
        [
            # csr_matrix.__matmul__ = set, through a slot state
            _global("scipy.sparse._csr", "csr_matrix")
            + b"(N}V__matmul__\n"
            + _global("builtins", "set")
            + b"stb.",
            # a dict state on an estimator class
            _global("sklearn.linear_model._logistic", "LogisticRegression")
            + b"}Vpredict\n"
            + _global("builtins", "set")
            + b"sb.",
            # a state on one of the loader's own reconstructors
            _global("numpy", "dtype") + b"}Vchecked_reconstructor\nI00\nsb.",
        ],
        strict=True,
    )
)


@pytest.mark.parametrize("stream", CLASS_STATES.values(), ids=CLASS_STATES.keys())
def test_a_state_on_a_class_or_function_is_refused(tmp_path, stream):
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    before = (sp.csr_matrix.__matmul__, LogisticRegression.predict)
    path = tmp_path / "m.pkl"
    path.write_bytes(stream)
    with pytest.raises(UnsafeModelError, match="state"):
        load_model(path)
    assert (sp.csr_matrix.__matmul__, LogisticRegression.predict) == before


FAILING_STREAMS = dict(
    zip(
        ["overflow", "lookup", "deep nesting"],
        [
            _global("builtins", "complex") + b"(L" + b"9" * 400 + b"L\ntR.",  # OverflowError
            b"\x80\x04h\x07.",  # BINGET of a missing memo entry: KeyError (LookupError)
            b"\x80\x04" + b"]" * 100_000 + b"a" * 99_999 + b".",  # 100k nested lists
        ],
        strict=True,
    )
)


@pytest.mark.parametrize("stream", FAILING_STREAMS.values(), ids=FAILING_STREAMS.keys())
def test_every_failure_while_loading_is_a_clean_refusal(tmp_path, stream):
    path = tmp_path / "m.pkl"
    path.write_bytes(stream)
    with pytest.raises(InputError) as info:
        load_model(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("error", [MemoryError, RecursionError, OverflowError, LookupError])
def test_unexpected_exception_types_become_unsafe_model_errors(tmp_path, monkeypatch, error):
    from denialbench.eval import _reconstructors

    def boom(*args):
        raise error("boom \x1b[31m")

    boom.checked_reconstructor = True
    monkeypatch.setitem(
        __import__("denialbench.eval._unpickler", fromlist=["_exact"])._exact(),
        ("builtins", "bytearray"),
        boom,
    )
    path = tmp_path / "m.pkl"
    path.write_bytes(_in_model(_Reduce(bytearray, (b"x",))))
    with pytest.raises(UnsafeModelError, match=error.__name__) as info:
        load_model(path)
    assert "\x1b" not in str(info.value)
    assert _reconstructors is not None


def _zip_member(path: Path, name: str, data: bytes) -> None:
    import zipfile

    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)


def test_skops_member_that_inflates_too_much_is_refused_before_reading(cli, tmp_path):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    path = tmp_path / "bomb.skops"
    sio.dump(LogisticRegression().fit(np.eye(4), TOY_LABELS[:4]), path)
    _zip_member(path, "0.npy", bytes(32 << 20))  # 32 MiB of zeros: ~1000:1
    with pytest.raises(UnsafeModelError, match="decompression bomb"):
        load_model(path)
    result = cli("evaluate", path, "--bootstrap", "10")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_small_member_of_zeros_is_no_bomb(tmp_path):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    from denialbench.eval._archive_checks import check_skops_archive

    # a heavily regularised model's zero coefficients deflate ~1000:1 (claim_only)
    path = tmp_path / "zeros.skops"
    sio.dump(LogisticRegression().fit(np.eye(4), TOY_LABELS[:4]), path)
    zeros = io.BytesIO()
    np.save(zeros, np.zeros(1 << 18))  # 2 MiB of float64 zeros
    _zip_member(path, "0.npy", zeros.getvalue())
    assert check_skops_archive(path) >= 2 << 20


def test_skops_array_header_announcing_more_than_its_data_is_refused(cli, tmp_path):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    path = tmp_path / "bomb.skops"
    sio.dump(LogisticRegression().fit(np.eye(4), TOY_LABELS[:4]), path)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (1 << 37,)}
    )
    _zip_member(path, "1.npy", header.getvalue() + bytes(64))
    with pytest.raises(UnsafeModelError, match="memory bomb"):
        load_model(path)
    result = cli("evaluate", path, "--bootstrap", "10")
    assert result.exit_code == 2 and "Traceback" not in result.output


ITEM_TARGETS = dict(
    zip(
        ["SETITEMS on csr", "SETITEM on csr", "APPENDS on estimator", "APPEND on estimator"],
        [
            # item assignment on a sparse matrix whose indices are not yet checked
            b"\x80\x02" + _global("scipy.sparse._csr", "csr_matrix") + b")\x81(K\x00K\x01u.",
            b"\x80\x02" + _global("scipy.sparse._csr", "csr_matrix") + b")\x81K\x00K\x01s.",
            # appends to an estimator
            b"\x80\x02"
            + _global("sklearn.linear_model._logistic", "LogisticRegression")
            + b")\x81(K\x01e.",
            b"\x80\x02"
            + _global("sklearn.linear_model._logistic", "LogisticRegression")
            + b")\x81K\x01a.",
        ],
        strict=True,
    )
)


@pytest.mark.parametrize("stream", ITEM_TARGETS.values(), ids=ITEM_TARGETS.keys())
def test_items_and_appends_only_go_to_dicts_and_lists(tmp_path, stream):
    path = tmp_path / "m.pkl"
    path.write_bytes(stream)
    with pytest.raises(UnsafeModelError, match=r"only dicts take items|not a list"):
        load_model(path)


def test_skops_directory_announcing_gigabytes_is_refused_before_reading(cli, tmp_path):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    path = tmp_path / "bomb.skops"
    sio.dump(LogisticRegression().fit(np.eye(4), TOY_LABELS[:4]), path)
    _zip_member(path, "2.npy", b"small")
    data = bytearray(path.read_bytes())
    # the central directory entry of the last member: its uncompressed size
    entry = data.rindex(b"PK\x01\x02")
    data[entry + 24 : entry + 28] = struct.pack("<I", 0xFFFFFFF0)
    path.write_bytes(bytes(data))
    with pytest.raises(UnsafeModelError, match="inflates to"):
        load_model(path)
    result = cli("evaluate", path, "--bootstrap", "10")
    assert result.exit_code == 2 and "Traceback" not in result.output


def _cli_files() -> dict[str, tuple[str, bytes]]:
    """Every hand-built hostile stream above, as (suffix, bytes), for the CLI test."""
    files: dict[str, tuple[str, bytes]] = {}
    for group, streams in (
        ("memo", MEMO_BOMBS),
        ("length", LENGTH_BOMBS),
        ("class state", list(CLASS_STATES.values())),
        ("failing", list(FAILING_STREAMS.values())),
        ("items", list(ITEM_TARGETS.values())),
    ):
        for index, stream in enumerate(streams):
            files[f"{group} {index}"] = (".pkl", stream)
    for group, payloads in (
        ("bytearray", BYTEARRAY_BOMBS),
        ("constructor", list(SIZED_CONSTRUCTORS.values())),
    ):
        for index, payload in enumerate(payloads):
            files[f"{group} {index}"] = (".pkl", _in_model(payload))
    for tuple_state in (False, True):
        files[f"joblib object {tuple_state}"] = (
            ".joblib",
            _wrapper_stream(tuple_state, dtype=np.dtype("O")),
        )
        files[f"joblib shape {tuple_state}"] = (
            ".joblib",
            _wrapper_stream(tuple_state, shape=(1 << 40,)),
        )
    for module in _REFUSED_MODULES:
        files[f"module {module}"] = (".pkl", _global(module, "Anything") + b")R.")
    return files


CLI_FILES = _cli_files()


# one sandboxed CLI run per stream (35 s): the in-process tests above refuse each
# stream, and test_cli_refuses_a_hostile_pickle_with_exit_2 keeps the CLI route in
# the ordinary run; this sweep runs with `pytest -m slow` (and in CI)
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CLI_FILES))
def test_cli_refuses_every_hostile_stream_with_exit_2(cli, tmp_path, name):
    import secrets

    token = secrets.token_hex(16)
    (tmp_path / "secret.txt").write_text(token)
    suffix, data = CLI_FILES[name]
    path = tmp_path / f"model{suffix}"
    path.write_bytes(data)
    result = cli("evaluate", path, "--bootstrap", "10")
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "Traceback" not in result.output
    assert token not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model" + suffix, "secret.txt"]


_MUTATION_SCRIPT = """
import pickle, random, sys
from pathlib import Path
from denialbench import InputError
from denialbench.eval import load_model

whole = Path(sys.argv[1]).read_bytes()
target = Path(sys.argv[2])
rng = random.Random(0)
outcomes = {"loaded": 0, "refused": 0}
variants = [whole[:cut] for cut in range(1, len(whole), max(1, len(whole) // 40))]
for _ in range(200):
    data = bytearray(whole)
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    variants.append(bytes(data))
for data in variants:
    target.write_bytes(data)
    try:
        load_model(target)
        outcomes["loaded"] += 1
    except InputError:
        outcomes["refused"] += 1
print(outcomes["loaded"], outcomes["refused"])
"""


def test_truncated_and_mutated_models_load_or_are_refused_cleanly(tmp_path):
    """Cut and byte-flipped copies of a real model: a model or an InputError, nothing else.

    In a child process, so a memory-unsafe path reached by a mutation fails
    the test instead of killing the runner.
    """
    model = make_pair_tfidf(max_features=20).fit(TOY, TOY_LABELS)
    source = tmp_path / "model.pkl"
    source.write_bytes(pickle.dumps(model, protocol=5))
    done = subprocess.run(
        [sys.executable, "-c", _MUTATION_SCRIPT, str(source), str(tmp_path / "m.pkl")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded, refused = map(int, done.stdout.split())
    assert refused > 0 and loaded + refused > 200


@pytest.mark.parametrize("damage", ["compression method", "truncated directory"])
def test_damaged_skops_archives_are_input_errors(tmp_path, damage):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    path = tmp_path / "m.skops"
    sio.dump(LogisticRegression().fit(np.eye(4), TOY_LABELS[:4]), path)
    data = bytearray(path.read_bytes())
    if damage == "compression method":
        for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
            start = data.index(signature)
            data[start + offset : start + offset + 2] = struct.pack("<H", 99)
    else:
        del data[-10:]
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="skops"):
        load_model(path)
