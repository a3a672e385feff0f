from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from denialbench import InputError
from denialbench.eval import compare, evaluate, paired_bootstrap

TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cmp")
    for name in ("majority", "pair_tfidf"):
        evaluate(TRAINED / f"{name}.pkl", n_bootstrap=100).save(folder / f"{name}.json")
    evaluate(TRAINED / "majority.pkl", "validation", n_bootstrap=10).save(folder / "val.json")
    return folder


def test_a_clearly_better_model_is_significant(results):
    out = compare(results / "pair_tfidf.json", results / "majority.json", n_bootstrap=2000)
    assert out["difference"] > 0.2
    assert out["ci_low"] > 0
    assert out["p_value"] < 0.01


def test_a_model_against_itself(results):
    out = compare(results / "majority.json", results / "majority.json", n_bootstrap=500)
    assert out["difference"] == 0.0 and out["p_value"] == 1.0


def test_results_of_different_data_are_refused(results):
    with pytest.raises(InputError, match="different data"):
        compare(results / "majority.json", results / "val.json")


def test_paired_bootstrap_matches_an_item_level_paired_bootstrap():
    from denialbench.eval import CONFUSION_METRICS, confusion_matrix

    rng = np.random.default_rng(0)
    gold = rng.integers(0, 4, 250)
    a = np.where(rng.random(250) < 0.8, gold, rng.integers(0, 4, 250))
    b = np.where(rng.random(250) < 0.6, gold, rng.integers(0, 4, 250))
    fast = paired_bootstrap(gold, a, b, n_bootstrap=3000, seed=1)
    f1 = CONFUSION_METRICS["macro_f1_score"].func
    diffs = []
    for _ in range(3000):
        idx = rng.integers(0, 250, 250)
        diffs.append(
            f1(confusion_matrix(gold[idx], a[idx])) - f1(confusion_matrix(gold[idx], b[idx]))
        )
    assert fast["ci_low"] == pytest.approx(np.percentile(diffs, 2.5), abs=0.015)
    assert fast["ci_high"] == pytest.approx(np.percentile(diffs, 97.5), abs=0.015)


def test_cli_compare(cli, results):
    out = cli(
        "compare", results / "pair_tfidf.json", results / "majority.json", "--bootstrap", "500"
    )
    assert out.exit_code == 0, out.output
    assert "p-value" in out.output
