"""Benchmark fixtures, and the ratios written into the benchmark JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench_helpers import N_LARGE
from denialbench.corpus import LABELS


@pytest.fixture(scope="session")
def large_files(tmp_path_factory) -> dict[str, Path]:
    """A 1,000,000-row --data file and two 1,000,000-row predictions files for it.

    "preds" lists the ids in the data's order, as most tools write them;
    "preds_shuffled" has the same rows in random order, so ids must be matched.
    """
    folder = tmp_path_factory.mktemp("large")
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 4, N_LARGE)
    pred = np.where(rng.random(N_LARGE) < 0.7, gold, rng.integers(0, 4, N_LARGE))
    domains = np.array(["politics", "business", "sports", "technology"])[
        rng.integers(0, 4, N_LARGE)
    ]
    data_lines, pred_lines = [], []
    for i in range(N_LARGE):
        data_lines.append(
            json.dumps(
                {
                    "id": f"r{i}",
                    "claim": f"The Courier reported that item {i} was approved.",
                    "response": f"Item {i} was never approved.",
                    "label": LABELS[gold[i]],
                    "domain": domains[i],
                    "group": f"g{i // 4}",
                }
            )
        )
        pred_lines.append(f'{{"id": "r{i}", "label": "{LABELS[pred[i]]}"}}')
    files = {name: folder / f"{name}.jsonl" for name in ("data", "preds", "preds_shuffled")}
    files["data"].write_text("\n".join(data_lines) + "\n")
    files["preds"].write_text("\n".join(pred_lines) + "\n")
    shuffled = [pred_lines[i] for i in rng.permutation(N_LARGE)]
    files["preds_shuffled"].write_text("\n".join(shuffled) + "\n")
    return files


def pytest_benchmark_update_json(config, benchmarks, output_json):
    medians = {b["name"]: b["stats"]["median"] for b in output_json["benchmarks"]}
    ratios = {}
    if "test_evaluate_end_to_end" in medians and "test_floor_script" in medians:
        ratios["evaluate / floor (median time; target <= 1.5)"] = (
            medians["test_evaluate_end_to_end"] / medians["test_floor_script"]
        )
    for bench in output_json["benchmarks"]:
        extra = bench.get("extra_info", {})
        if "pairs_per_second" in extra:  # the cross_encoder's inference speed
            key = (
                f"{bench['name']}: pairs per second ({extra['pairs']} test pairs, "
                f"{extra['torch_threads']} torch threads)"
            )
            ratios[key] = extra["pairs_per_second"]
    output_json["ratios"] = ratios
