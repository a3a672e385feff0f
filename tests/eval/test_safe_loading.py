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
