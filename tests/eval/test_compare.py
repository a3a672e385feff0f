from __future__ import annotations

import json
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


def test_results_of_different_splits_are_refused(results):
    with pytest.raises(
        InputError, match=r"scored on split test of corpus .*, .* on split validation"
    ):
        compare(results / "majority.json", results / "val.json")


def test_results_of_different_corpus_versions_are_refused(results, tmp_path):
    content = json.loads((results / "majority.json").read_text())
    content["corpus_version"] = "0.9.0"
    (tmp_path / "old.json").write_text(json.dumps(content))
    with pytest.raises(InputError, match=r"corpus 0\.9\.0.*same split and corpus version"):
        compare(results / "pair_tfidf.json", tmp_path / "old.json")


def test_leaderboard_entries_and_results_files_are_compared_by_name(results, repo):
    from denialbench.corpus import CORPUS_VERSION

    entry = repo / "leaderboard" / CORPUS_VERSION / "pair-tfidf.json"
    if not entry.exists():
        pytest.skip("needs a checkout")
    out = compare(entry, results / "majority.json", n_bootstrap=200)
    assert out["name_a"] == "pair_tfidf" and out["name_b"] == "majority.pkl"
    assert out["difference"] > 0.2
    both = compare(entry, repo / "leaderboard" / CORPUS_VERSION / "majority.json", n_bootstrap=200)
    assert both["name_b"] == "majority" and both["difference"] == out["difference"]


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
    assert "A: pair_tfidf.pkl" in out.output and "B: majority.pkl" in out.output


def test_cli_compare_refuses_other_splits(cli, results):
    out = cli("compare", results / "majority.json", results / "val.json")
    assert out.exit_code == 2 and "same split and corpus version" in " ".join(out.output.split())
