"""The sandboxed model process: each wall against a trusted stand-in for a hostile model.

A hostile model is hard to build from allowlisted classes, so most tests run
a probe (tests/eval/sandbox_probes.py) in place of loading a model file,
through the sandbox's test-only entry point. Each must end within 30 s with
a clear exception and leave the parent running.
"""

from __future__ import annotations

import json
import re
import struct
import sys
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from denialbench import InputError, ModelBehaviourError, ModelProcessError
from denialbench.eval import SandboxLimits, _landlock, _seccomp, evaluate
from denialbench.eval._data import EvalData
from denialbench.eval._sandbox import ModelProcess, _probe_for_tests, clean_text, parse_size

PROBES = Path(__file__).with_name("sandbox_probes.py")
TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))
LEADERBOARD = Path(__file__).parents[2] / "LEADERBOARD.md"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the sandbox's walls are Linux features"
)


def _data(n: int = 3) -> EvalData:
    return EvalData(
        ids=np.array([f"i{k}" for k in range(n)], dtype=object),
        gold=np.zeros(n, dtype=np.int8),
        claim=[f"claim {k}" for k in range(n)],
        response=[f"response {k}" for k in range(n)],
    )


def _probe(function: str, *args: str, **limits):
    started = time.monotonic()
    try:
        return _probe_for_tests(PROBES, function, _data(), *args, limits=SandboxLimits(**limits))
    finally:
        assert time.monotonic() - started < 30


def test_a_well_behaved_model_round_trips():
    pred, proba, name = _probe("echo")
    assert pred.tolist() == [0, 0, 0]
    assert proba.shape == (3, 4) and np.allclose(proba, 0.25)
    assert name == "sandbox_probes.Echo"


def test_the_walls_are_up_in_a_single_threaded_process():
    probe = {"path": str(PROBES.parent), "module": PROBES.stem, "function": "echo"}
    with ModelProcess(PROBES, _probe=probe) as process:
        process.predict(_data())
    assert process.walls["threads"] == 1  # Landlock binds the thread that sets it up
    assert process.walls["seccomp"] is _seccomp.available()
    assert process.walls["landlock"] == _landlock.abi_version()


def test_memory_bomb_is_stopped_at_the_memory_limit():
    with pytest.raises(ModelProcessError, match=r"exceeded the 4 GiB memory limit"):
        _probe("memory_bomb")


def test_endless_loop_is_killed_at_the_cpu_limit():
    with pytest.raises(ModelProcessError, match=r"killed after 3 s of CPU .*--cpu-limit"):
        _probe("endless_loop", cpu_seconds=3)


def test_sleeper_is_stopped_at_the_wall_clock_limit():
    with pytest.raises(ModelProcessError, match=r"stopped after 4 s of wall-clock time"):
        _probe("sleep", wall_seconds=4)


def test_segfault_is_reported_by_its_signal():
    with pytest.raises(ModelProcessError, match=r"crashed with signal SIGSEGV"):
        _probe("segfault")


@pytest.mark.skipif(not _seccomp.available(), reason="no seccomp filter for this machine")
@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        ("fork", "PermissionError"),
        ("run_program", "PermissionError"),
        ("start_thread", "can't start new thread"),
    ],
)
def test_no_new_processes_or_threads(probe, expected):
    with pytest.raises(ModelBehaviourError, match=re.escape(expected)) as caught:
        _probe(probe)
    assert type(caught.value) is ModelBehaviourError  # a clean refusal, not a crash


@pytest.mark.skipif(not _seccomp.available(), reason="no seccomp filter for this machine")
def test_joblib_workers_are_not_started():
    # joblib finds no working semaphores and runs the jobs in this one thread
    pred, _, _ = _probe("joblib_workers")
    assert pred.tolist() == [0, 0, 0]


@pytest.mark.skipif(not _seccomp.available(), reason="no seccomp filter for this machine")
@pytest.mark.parametrize("probe", ["write_file", "make_folder"])
def test_no_file_writes(tmp_path, probe):
    sentinel = tmp_path / "sentinel"
    sentinel.mkdir()
    with pytest.raises(ModelBehaviourError, match="PermissionError"):
        _probe(probe, str(sentinel))
    assert list(sentinel.iterdir()) == []


@pytest.mark.skipif(_landlock.abi_version() < 1, reason="the kernel offers no Landlock")
def test_no_reads_outside_the_allowed_paths(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the-secret-value")
    with pytest.raises(ModelBehaviourError, match="PermissionError") as caught:
        _probe("read_file", str(secret))
    assert "the-secret-value" not in str(caught.value)


def test_the_environment_is_scrubbed(monkeypatch):
    monkeypatch.setenv("DENIALBENCH_TEST_SECRET", "hunter2-secret")
    with pytest.raises(ModelBehaviourError) as caught:
        _probe("show_environment")
    message = str(caught.value)
    assert "PATH" in message and "OPENBLAS_NUM_THREADS" in message
    assert "hunter2-secret" not in message and "DENIALBENCH_TEST_SECRET" not in message


def test_model_text_is_escaped_and_truncated():
    with pytest.raises(ModelBehaviourError) as caught:
        _probe("noisy_error")
    message = str(caught.value)
    assert "\x1b" not in message and "\x07" not in message
    assert "\\x1b[31mred\\x07" in message
    assert len(message) < 1500


def test_clean_text_escapes_control_characters():
    assert clean_text("a\nb\x00c\u202e", 100) == "a\\nb\\x00c\\u202e"
    assert clean_text("x" * 20, 5) == "xxxxx ... (15 more characters)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4GiB", 4 * 2**30), ("512MiB", 512 * 2**20), ("4G", 4 * 2**30), ("1.5GiB", 3 * 2**29)],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "4XB", "1KiB", ""])
def test_parse_size_refuses_nonsense(text):
    with pytest.raises(InputError, match="memory limit"):
        parse_size(text)


def test_limits_scale_with_the_items():
    limits = SandboxLimits()
    assert limits.cpu_for(10_000) > limits.cpu_for(0) > 0
    assert limits.wall_for(10_000) > limits.wall_for(0) > 0
    assert SandboxLimits(cpu_seconds=7).cpu_for(10**6) == 7


# ------------------------------------------------------------ what comes back


def _reply(header: dict, payload: bytes = b"") -> bytes:
    head = json.dumps(header).encode()
    return struct.pack(">I", len(head)) + head + payload


def _parser() -> ModelProcess:
    process = object.__new__(ModelProcess)
    process.display, process._absolute, process.limits = "m.pkl", "/abs/m.pkl", SandboxLimits()
    return process


def _result(pred: np.ndarray, proba: np.ndarray | None, shape=None) -> bytes:
    header = {
        "type": "result",
        "class": "x.Y",
        "pred": {"dtype": "|i1", "shape": [len(pred)]},
        "proba": None if proba is None else {"dtype": "<f8", "shape": shape or list(proba.shape)},
    }
    payload = pred.astype(np.int8).tobytes()
    if proba is not None:
        payload += proba.astype("<f8").tobytes()
    return _reply(header, payload)


def test_parent_accepts_a_valid_reply():
    pred, proba, name = _parser()._parse(_result(np.array([0, 3]), np.full((2, 4), 0.25)), 2)
    assert pred.tolist() == [0, 3] and proba.shape == (2, 4) and name == "x.Y"


@pytest.mark.parametrize(
    "reply",
    [
        _result(np.array([0, 9]), None),  # a code outside LABELS
        _result(np.array([0]), None),  # one label for two items
        _result(np.array([0, 1]), np.full((2, 4), np.nan)),
        _result(np.array([0, 1]), np.full((2, 4), 0.5)),  # rows do not sum to 1
        _result(np.array([0, 1]), np.full((2, 4), 0.25), shape=[2, 3]),
        _reply({"type": "result", "pred": {"dtype": "O", "shape": [2]}}, b"\x80\x04."),
        b"\x00\x00\x00\x05[1,2]",
        b"\xff\xff\xff\xff",
    ],
)
def test_parent_refuses_a_malformed_reply(reply):
    with pytest.raises(ModelProcessError, match=r"sent .*; no result was used"):
        _parser()._parse(reply, 2)


def test_error_replies_keep_the_users_path():
    reply = _reply({"type": "error", "kind": "unsafe", "message": "/abs/m.pkl: refused"})
    with pytest.raises(InputError, match=r"^m\.pkl: refused$"):
        _parser()._parse(reply, 2)


# ------------------------------------------------------------ end to end


def _leaderboard_macro_f1(name: str) -> float:
    for line in LEADERBOARD.read_text().splitlines():
        # the board escapes Markdown in names: pair_tfidf is written pair\_tfidf
        if f"| {name.replace('_', chr(92) + '_')} *(baseline)*" in line:
            return float(line.split("|")[3].split()[0])
    raise AssertionError(f"{name} not in LEADERBOARD.md")


@pytest.mark.parametrize("suffix", [".pkl", ".skops"])
def test_cli_evaluate_gives_the_leaderboard_score(cli, suffix):
    out = cli("evaluate", TRAINED / f"pair_tfidf{suffix}", "--json", "--bootstrap", "10")
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    value = result["metrics"]["macro_f1_score"]["value"]
    assert round(value, 3) == _leaderboard_macro_f1("pair_tfidf")
    assert result["model"]["class"] == "sklearn.pipeline.Pipeline"


def test_cli_memory_limit_too_small_is_a_clean_exit_2(cli):
    out = cli("evaluate", TRAINED / "pair_tfidf.pkl", "--memory-limit", "100MiB")
    assert out.exit_code == 2
    assert "memory limit" in out.output and "Traceback" not in out.output


def test_cli_refuses_a_nonsense_memory_limit(cli):
    out = cli("evaluate", TRAINED / "pair_tfidf.pkl", "--memory-limit", "lots")
    assert out.exit_code == 2 and "memory limit" in out.output


def test_trusted_pickles_still_run_in_the_sandbox():
    # 1 s of CPU is not enough to import scikit-learn and predict: the limit applies
    with pytest.raises(ModelProcessError, match="of CPU"):
        evaluate(
            TRAINED / "pair_tfidf.pkl",
            trust_pickle=True,
            n_bootstrap=0,
            limits=SandboxLimits(cpu_seconds=1),
        )


def test_documented_default_limits_match_the_code(cli):
    from denialbench.eval import _sandbox as sandbox

    cpu = f"{sandbox.CPU_BASE_S:g} + {sandbox.CPU_PER_ITEM_S:g} per item"
    wall = f"{sandbox.WALL_BASE_S:g} + {sandbox.WALL_PER_ITEM_S:g} per item"
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    help_text = " ".join(cli("evaluate", "--help").output.split())
    for text in (readme, help_text):
        assert cpu in text and wall in text
    assert f"default {sandbox.format_size(sandbox.DEFAULT_MEMORY_BYTES)}".replace(" ", "") in (
        readme.replace(" ", "")
    )
