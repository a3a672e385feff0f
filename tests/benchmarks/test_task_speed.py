"""Reading and mapping an external task's release files (target: FNC-1 test in under 5 s).

Run once with:
    pytest tests/benchmarks -k fnc --benchmark-only
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from denialbench.eval import load_task

N_PAIRS = 25_413  # the size of FNC-1's competition test stances file
N_BODIES = 904  # and of its bodies file
BODY_WORDS = 350
STANCES = ("unrelated", "discuss", "agree", "disagree")


@pytest.fixture(scope="module")
def fnc1_sized_copy(tmp_path_factory):
    """A synthetic folder in the FNC-1 layout, as large as the real test split."""
    folder = tmp_path_factory.mktemp("fnc1")
    rng = np.random.default_rng(0)
    vocabulary = np.array([f"word{i}" for i in range(5000)])
    with (folder / "competition_test_bodies.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Body ID", "articleBody"])
        for body in range(N_BODIES):
            words = vocabulary[rng.integers(0, len(vocabulary), BODY_WORDS)]
            # paragraphs, as the real bodies have: quoted newlines inside the field
            text = " ".join(words[:175]) + ".\n\n" + " ".join(words[175:]) + "."
            writer.writerow([body, text])
    with (folder / "competition_test_stances.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Headline", "Body ID", "Stance"])
        bodies = rng.integers(0, N_BODIES, N_PAIRS)
        stances = rng.choice(len(STANCES), N_PAIRS, p=[0.72, 0.18, 0.07, 0.03])
        for i in range(N_PAIRS):
            writer.writerow(
                [
                    f"Headline number {i // 25} about a reported event",
                    bodies[i],
                    STANCES[stances[i]],
                ]
            )
    return folder


def test_fnc1_read_and_map(benchmark, fnc1_sized_copy):
    task = benchmark.pedantic(load_task, args=("fnc1", fnc1_sized_copy), rounds=5, warmup_rounds=1)
    assert len(task.data) == N_PAIRS
