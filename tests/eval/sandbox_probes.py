"""Trusted stand-ins for hostile models, run inside the sandbox by tests/eval/test_sandbox.py.

Each function runs in the model process after the walls are up, in place of
loading a model file; what it returns is used as the model.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import threading
import time
from pathlib import Path

import numpy as np


class Echo:
    """A well-behaved model: ``deny`` for every item, uniform probabilities."""

    classes_ = np.array(["deny", "confirm", "evade", "unrelated"])

    def predict(self, X):
        return np.array(["deny"] * len(X), dtype=object)

    def predict_proba(self, X):
        return np.full((len(X), 4), 0.25)


def echo():
    return Echo()


def memory_bomb():
    # address space only (np.empty touches no pages), so the test costs no real memory
    blocks = []
    while True:
        blocks.append(np.empty(2**28, dtype=np.uint8))


def endless_loop():
    while True:
        pass


def sleep():
    time.sleep(600)


def fork():
    os.fork()


def run_program():
    subprocess.run(["/bin/true"], check=True)


def start_thread():
    threading.Thread(target=lambda: None).start()


def joblib_workers():
    """n_jobs=2 either fails or, as joblib does without semaphores, runs in serial."""
    import warnings

    import joblib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joblib warns that it falls back to serial mode
        done = joblib.Parallel(n_jobs=2)(joblib.delayed(abs)(-i) for i in range(4))
    tasks = os.listdir("/proc/self/task")
    children = [Path(f"/proc/self/task/{t}/children").read_text().split() for t in tasks]
    if done != [0, 1, 2, 3] or len(tasks) != 1 or any(children):
        raise ValueError(f"joblib: result {done}, threads {tasks}, children {children}")
    return Echo()


def write_file(folder):
    with open(os.path.join(folder, "written.txt"), "w") as handle:
        handle.write("escaped")


def make_folder(folder):
    os.mkdir(os.path.join(folder, "made"))


def read_file(path):
    with open(path) as handle:
        raise ValueError(f"read: {handle.read()}")


def show_environment():
    raise ValueError(f"environment: {sorted(os.environ.items())!r}")


def segfault():
    ctypes.string_at(0)


def noisy_error():
    raise ValueError("\x1b[31mred\x07 and a bell" + "x" * 5000)
