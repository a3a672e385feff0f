"""Red-team attacks on ``denialbench evaluate MODEL_FILE``: hostile model files, no trust flags.

Each test builds one hostile file in ``tmp_path`` and runs the command line
in a subprocess, as a user would, with a secret file and an empty sentinel
folder around it. A contained attack exits 2 with a message, prints no
traceback, never shows the secret and leaves the sentinel folder empty.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import secrets
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from denialbench import ModelBehaviourError
from denialbench.eval import _seccomp
from denialbench.eval._sandbox import _probe_for_tests

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "baselines" / "trained" / "response_only.pkl"
PROBES = Path(__file__).with_name("red_team_probes.py")
# each attack runs the CLI in its own process (about 3 s apiece): the slow step of
# .ci/run runs them all; the ordinary run keeps the sandbox's own tests
pytestmark = pytest.mark.slow

SECRET_DIR = Path("/tmp/rt-secret")


@pytest.fixture(scope="module")
def secret():
    """A secret file outside every allowed path, holding a random token."""
    SECRET_DIR.mkdir(exist_ok=True)
    token = f"rt-token-{secrets.token_hex(16)}"
    path = SECRET_DIR / f"secret-{token[-8:]}.txt"
    path.write_text(token)
    yield path, token
    path.unlink()


class Run:
    def __init__(self, proc: subprocess.CompletedProcess, token: str, out_dir: Path) -> None:
        self.code = proc.returncode
        self.text = proc.stdout + proc.stderr
        self.token = token
        self.out_dir = out_dir


def _evaluate(model: Path, secret, sentinel: Path, *extra: str, timeout: float = 120) -> Run:
    """``denialbench evaluate MODEL --split validation`` in a fresh working folder."""
    _, token = secret
    cwd = sentinel.parent / "cwd"
    cwd.mkdir(exist_ok=True)
    out_dir = sentinel.parent / "outputs"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["COLUMNS"] = "200"
    command = [sys.executable, "-m", "denialbench", "evaluate", str(model)]
    command += ["--split", "validation", "--bootstrap", "10", *extra]
    proc = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )
    return Run(proc, token, out_dir)


def _contained(run: Run, sentinel: Path, message: str) -> None:
    """Exit 2, the expected message, no traceback, no secret, nothing written."""
    assert run.code == 2, run.text
    assert re.search(message, run.text, re.DOTALL), run.text
    assert "Traceback" not in run.text, run.text
    assert run.token not in run.text
    assert "\x1b" not in run.text and "\x07" not in run.text
    assert list(sentinel.iterdir()) == []
    assert list((sentinel.parent / "cwd").iterdir()) == []
    if run.out_dir.exists():
        assert list(run.out_dir.rglob("*")) == []
    for written in sentinel.parent.rglob("*"):
        if written.is_file() and written.suffix in (".json", ".csv", ".md", ".txt"):
            assert run.token not in written.read_text(errors="replace")


@pytest.fixture
def sentinel(tmp_path):
    folder = tmp_path / "sentinel"
    folder.mkdir()
    return folder


def _write(tmp_path: Path, data: bytes, name: str = "model.pkl") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _baseline():
    import joblib

    return joblib.load(BASELINE)  # the project's own file: trusted


def _steps(model):
    """Every estimator reachable from the baseline pipeline."""
    seen, todo = [], [model]
    while todo:
        est = todo.pop()
        seen.append(est)
        for value in vars(est).values():
            items = value if isinstance(value, list) else [value]
            for item in items:
                item = item[1] if isinstance(item, tuple) and len(item) >= 2 else item
                if hasattr(item, "get_params") and item not in seen:
                    todo.append(item)
    return seen


def _short_unicode(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


# ---------------------------------------------------------------- (a) code execution


def test_global_reduce_os_system(tmp_path, sentinel, secret):
    command = f"touch {sentinel}/pwned; cat {secret[0]}"
    data = b"cos\nsystem\n(S'" + command.encode() + b"'\ntR."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"outside the allowlist: os\.system")


def test_stack_global_from_memo_strings(tmp_path, sentinel, secret):
    # module and name pushed, memoized, popped and fetched back: a scanner that only
    # looks at the strings right before STACK_GLOBAL would miss them
    code = f"open({str(sentinel / 'pwned')!r}, 'w')"
    data = (
        b"\x80\x04"
        + _short_unicode("builtins")
        + b"\x94"
        + _short_unicode("exec")
        + b"\x94"
        + b"00"  # POP POP
        + b"h\x00h\x01\x93"  # BINGET 0, BINGET 1, STACK_GLOBAL
        + _short_unicode(code)
        + b"\x85R."
    )
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"builtins\.exec")


def test_inst_opcode_subprocess(tmp_path, sentinel, secret):
    data = b"(S'touch " + str(sentinel).encode() + b"/pwned'\nisubprocess\ngetoutput\n."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"subprocess\.getoutput")


def test_function_inside_an_allowed_sklearn_module(tmp_path, sentinel, secret):
    # sklearn.pipeline is an allowed family; check_memory is a function there that
    # makes a joblib.Memory (a cache folder)
    data = b"csklearn.pipeline\ncheck_memory\n(S'" + str(sentinel).encode() + b"/cache'\ntR."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"sklearn\.pipeline\.check_memory")


def test_numpy_function_reading_a_file(tmp_path, sentinel, secret):
    data = b"cnumpy\nfromfile\n(S'" + str(secret[0]).encode() + b"'\ntR."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"numpy\.fromfile")


def test_test_module_of_an_allowed_family(tmp_path, sentinel, secret):
    # a tests module inside an allowed family may have import-time effects
    data = b"csklearn.linear_model.tests.test_base\nLinearRegression\n)R."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"outside the allowlist")


def test_allowed_class_called_with_arguments(tmp_path, sentinel, secret):
    data = b"csklearn.pipeline\nPipeline\n(]tR."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"calls sklearn\.pipeline\.Pipeline with arguments")


def test_build_on_a_class_patches_it_process_wide(tmp_path, sentinel, secret):
    data = b"\x80\x02csklearn.dummy\nDummyClassifier\n}X\x07\x00\x00\x00predictK\x01sb."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"gives the class sklearn\.dummy\.DummyClassifier a new state")


def test_dunder_attribute_in_an_estimator_state(tmp_path, sentinel, secret):
    # NEWOBJ DummyClassifier, then BUILD {'__class__': DummyClassifier}
    data = b"\x80\x02csklearn.dummy\nDummyClassifier\nq\x00)\x81}X\t\x00\x00\x00__class__h\x00sb."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"dunder and non-string attribute names are refused")


def test_slot_state_setattr_on_an_estimator(tmp_path, sentinel, secret):
    # BUILD with (None, {'__dict__': ...}): the slot state goes through setattr
    data = b"\x80\x02csklearn.dummy\nDummyClassifier\n)\x81N}X\x08\x00\x00\x00__dict__}s\x86b."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"dunder and non-string attribute names are refused")


def test_shared_dtype_rewritten_by_build(tmp_path, sentinel, secret):
    # numpy.dtype('f8', False, False) would be the process-wide float64; then a BUILD
    # that makes it an object dtype
    state = b"(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?t"
    data = b"\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00f8\x89\x89\x87R" + state + b"b."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"dtype state|dtype byte order")


def test_top_level_mapping_chooses_the_function_called_as_predict(tmp_path, sentinel, secret):
    # a Bunch answers attribute lookups from its keys, so model.predict is whatever the
    # file puts under 'predict'; numpy functions are not allowed globals, but numpy's
    # scalar types are, and the graph check vets int64 as a value
    from sklearn.utils import Bunch

    model = Bunch(predict=np.int64, predict_proba=np.float64, classes_=np.arange(4))
    run = _evaluate(_write(tmp_path, pickle.dumps(model)), secret, sentinel)
    _contained(run, sentinel, r"a model must be an estimator")


# ---------------------------------------------------------------- (b, c) data-only gadgets


def _tampered(tmp_path: Path, change) -> Path:
    model = _baseline()
    for est in _steps(model):
        change(est)
    return _write(tmp_path, pickle.dumps(model, protocol=5))


def test_vectorizer_told_to_open_files(tmp_path, sentinel, secret):
    def change(est):
        if "input" in vars(est):
            est.input = "filename"

    run = _evaluate(_tampered(tmp_path, change), secret, sentinel)
    _contained(run, sentinel, r"never files named by them")


def test_pipeline_cache_folder(tmp_path, sentinel, secret):
    def change(est):
        if "memory" in vars(est):
            est.memory = str(sentinel)

    run = _evaluate(_tampered(tmp_path, change), secret, sentinel)
    _contained(run, sentinel, r"a model may not write to disk")


def test_worker_processes(tmp_path, sentinel, secret):
    def change(est):
        if "n_jobs" in vars(est):
            est.n_jobs = 4

    run = _evaluate(_tampered(tmp_path, change), secret, sentinel)
    _contained(run, sentinel, r"may not start worker processes")


def test_catastrophic_token_pattern(tmp_path, sentinel, secret):
    def change(est):
        if "token_pattern" in vars(est):
            est.token_pattern = r"(\w+\s?)*$"

    run = _evaluate(_tampered(tmp_path, change), secret, sentinel)
    _contained(run, sentinel, r"token_pattern")


def test_vocabulary_index_past_the_matrix(tmp_path, sentinel, secret):
    def change(est):
        vocabulary = vars(est).get("vocabulary_")
        if isinstance(vocabulary, dict) and vocabulary:
            vocabulary[next(iter(vocabulary))] = 10**9

    run = _evaluate(_tampered(tmp_path, change), secret, sentinel)
    _contained(run, sentinel, r"vocabulary whose column indices")


def test_skops_archive_member_with_a_path_outside(tmp_path, sentinel, secret):
    import skops.io as sio
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier().fit([[0]] * 4, ["deny", "confirm", "evade", "unrelated"])
    good = tmp_path / "good.skops"
    sio.dump(model, good)
    evil = tmp_path / "model.skops"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr(f"../../../..{sentinel}/pwned", b"x")
        dst.writestr(f"{sentinel}/pwned2", b"x")
    good.unlink()
    run = _evaluate(evil, secret, sentinel)
    # skops reads members in memory; whatever it decides, nothing may be written
    assert list(sentinel.iterdir()) == []
    assert run.code in (0, 2) and "Traceback" not in run.text


def test_skops_untrusted_function(tmp_path, sentinel, secret):
    import skops.io as sio
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = make_pipeline(
        ColumnTransformer([("r", FunctionTransformer(func=os.system), ["response"])])
    )
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    run = _evaluate(path, secret, sentinel)
    _contained(run, sentinel, r"types skops does not trust: .*system")


# ---------------------------------------------------------------- (e) memory and CPU


def test_memo_index_bomb(tmp_path, sentinel, secret):
    data = b"\x80\x04N" + b"r" + struct.pack("<I", 2**32 - 1) + b"."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"memo index .* memory bomb")


def test_announced_length_bomb(tmp_path, sentinel, secret):
    data = b"\x80\x04\x8e" + struct.pack("<Q", 2**40) + b"abc."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"announces \d+ bytes")


def test_zlib_decompression_bomb(tmp_path, sentinel, secret):
    size = 300 * 2**20
    packer = zlib.compressobj(9)
    body = io.BytesIO()
    body.write(packer.compress(b"\x80\x04\x8e" + struct.pack("<Q", size)))
    zeros = bytes(2**24)
    for _ in range(size // len(zeros)):
        body.write(packer.compress(zeros))
    body.write(packer.compress(b".") + packer.flush())
    path = _write(tmp_path, body.getvalue(), "model.joblib")
    run = _evaluate(path, secret, sentinel)
    _contained(run, sentinel, r"decompresses to more than|announces")


def test_deep_nesting(tmp_path, sentinel, secret):
    depth = 200_000
    data = b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"nested more than \d+ levels deep|RecursionError")


def test_polynomial_features_allocation_bomb(tmp_path, sentinel, secret):
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    texts = pd.DataFrame({"response": ["no it is not", "yes it is", "maybe so", "cats sleep"]})
    labels = ["deny", "confirm", "evade", "unrelated"]
    model = make_pipeline(
        ColumnTransformer([("r", TfidfVectorizer(), "response")]),
        TruncatedSVD(2, random_state=0),
        PolynomialFeatures(2),
        LogisticRegression(),
    ).fit(texts, labels)
    poly = model[2]
    poly.degree = poly._max_degree = 3_000_000  # (n + d choose d) columns, allocated at once
    run = _evaluate(_write(tmp_path, pickle.dumps(model)), secret, sentinel)
    _contained(run, sentinel, r"memory limit|predict raised")


def test_shared_estimator_repeated_as_cpu_amplifier(tmp_path, sentinel, secret):
    # one fitted pipeline listed 20,000 times: the pickle memo stores it once, so the
    # file is small, but predict runs it 20,000 times; only the CPU limit stops it
    import pandas as pd
    from sklearn.ensemble import VotingClassifier

    base = _baseline()
    frame = pd.DataFrame({"id": ["a"], "claim": ["c"], "response": ["r"]})
    voter = VotingClassifier([("e0", base)], voting="hard")
    voter.estimators_ = [base] * 20_000
    voter.estimators = [(f"e{i}", base) for i in range(20_000)]
    from sklearn.preprocessing import LabelEncoder

    voter.le_ = LabelEncoder().fit(base.classes_)
    voter.classes_ = voter.le_.classes_
    assert len(voter.estimators_[0].predict(frame)) == 1
    run = _evaluate(_write(tmp_path, pickle.dumps(voter)), secret, sentinel, "--cpu-limit", "8")
    _contained(run, sentinel, r"killed after 8 s of CPU")


# ---------------------------------------------------------------- (f, g) labels and outputs


def _fitted_with_classes(classes) -> object:
    model = _baseline()
    model[-1].classes_ = np.asarray(classes)
    return model


def test_class_names_with_paths_and_escapes(tmp_path, sentinel, secret):
    evil = f"../../..{sentinel}/pwned\x1b[2J\x07\r\n"
    model = _fitted_with_classes([evil, "deny", "evade", "unrelated"])
    out = tmp_path / "outputs"
    run = _evaluate(
        _write(tmp_path, pickle.dumps(model)),
        secret,
        sentinel,
        "--out",
        str(out / "r.json"),
        "--report-dir",
        str(out / "report"),
        "--errors",
        str(out / "errors.csv"),
    )
    _contained(run, sentinel, r"classes_ are not labels")
    assert not out.exists()


def test_duplicate_class_names_cannot_reshape_the_probabilities(tmp_path, sentinel, secret):
    # '0' and 'deny' both name label 0: two probability columns land in one
    model = _fitted_with_classes(["0", "deny", "evade", "unrelated"])
    run = _evaluate(_write(tmp_path, pickle.dumps(model)), secret, sentinel)
    _contained(run, sentinel, r"label .deny. is named more than once")


def test_nan_probabilities(tmp_path, sentinel, secret):
    model = _baseline()
    model[-1].coef_ = np.full_like(model[-1].coef_, np.nan)
    run = _evaluate(_write(tmp_path, pickle.dumps(model)), secret, sentinel)
    _contained(run, sentinel, r"NaN|not distributions")


def test_truncated_file(tmp_path, sentinel, secret):
    data = pickle.dumps(_baseline())[:5000]
    run = _evaluate(_write(tmp_path, data), secret, sentinel)
    _contained(run, sentinel, r"not a readable pickle|truncated")


# ---------------------------------------------------------------- the walls themselves


def _probe(function: str, *args: str):
    from denialbench.eval._data import EvalData

    data = EvalData(
        ids=np.array(["i0"], dtype=object),
        gold=np.zeros(1, dtype=np.int8),
        claim=["c"],
        response=["r"],
    )
    return _probe_for_tests(PROBES, function, data, *args)


@pytest.mark.skipif(not _seccomp.available(), reason="no seccomp filter for this machine")
def test_walls_refuse_system_v_shared_memory():
    with pytest.raises(ModelBehaviourError, match=r"shmget: ") as caught:
        _probe("sysv_shared_memory")
    assert "shmget: refused" in str(caught.value)


@pytest.mark.skipif(not _seccomp.available(), reason="no seccomp filter for this machine")
def test_walls_refuse_pinning_other_processes():
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        before = os.sched_getaffinity(sleeper.pid)
        with pytest.raises(ModelBehaviourError, match=r"sched_setaffinity: ") as caught:
            _probe("pin", str(sleeper.pid))
        assert os.sched_getaffinity(sleeper.pid) == before
        assert "sched_setaffinity: refused" in str(caught.value)
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.skipif(not _seccomp.available(), reason="no seccomp filter for this machine")
def test_walls_refuse_renicing_other_processes():
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        with pytest.raises(ModelBehaviourError, match=r"setpriority: ") as caught:
            _probe("renice", str(sleeper.pid))
        assert os.getpriority(os.PRIO_PROCESS, sleeper.pid) == os.getpriority(os.PRIO_PROCESS, 0)
        assert "setpriority: refused" in str(caught.value)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_secret_is_intact(secret):
    # the fixture's secret stays where it was, unread by anything above
    path, token = secret
    assert path.read_text() == token
