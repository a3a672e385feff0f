"""The registry, the factories and the shipped artifacts."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from denialbench.baselines import REGISTRY, embeddings_available, pair_features
from denialbench.eval import evaluate, load_model

TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))
LIGHT = ["majority", "cue_rules", "response_only", "claim_only", "pair_tfidf"]

TOY = pd.DataFrame(
    {
        "id": [f"t{i}" for i in range(8)],
        "claim": ["The Herald reported Mayor Vale sold the depot to Orrin Ltd."] * 4
        + ["Coach Dunn was sacked by Harwick FC on Monday."] * 4,
        "response": [
            "Vale sold nothing; the depot is council property.",
            "Yes, the sale closed in May.",
            "We don't comment on contracts.",
            "Vale opened the new library today.",
            "Dunn took training on Tuesday morning.",
            "The club confirmed Dunn has left.",
            "Who told you that?",
            "Harwick's stadium roof will be fixed in spring.",
        ],
    }
)
TOY_Y = ["deny", "confirm", "evade", "unrelated"] * 2


def test_registry_lists_every_factory():
    assert list(REGISTRY)[:5] == LIGHT
    assert "pair_embedding" in REGISTRY


@pytest.mark.parametrize("name", LIGHT)
def test_factories_return_unfitted_estimators_that_fit_the_contract(name):
    spec = REGISTRY[name]
    model = spec.factory()
    from sklearn.base import clone

    clone(model)  # a real scikit-learn estimator
    kwargs = {"max_features": 100} if "max_features" in model.get_params() else {}
    model = spec.factory(**kwargs).fit(TOY, TOY_Y) if kwargs else model.fit(TOY, TOY_Y)
    predicted = model.predict(TOY)
    assert len(predicted) == len(TOY)
    assert set(predicted) <= set(TOY_Y)


@pytest.mark.parametrize("name", LIGHT)
def test_shipped_artifacts_are_small_and_load_safely(name):
    for suffix in (".skops", ".pkl"):
        path = TRAINED / f"{name}{suffix}"
        assert path.stat().st_size <= 5 * 1024 * 1024, path
        model = load_model(path)  # no trust flags needed
        assert hasattr(model, "predict")
    assert (TRAINED / f"{name}.md").exists()


@pytest.mark.parametrize("name", LIGHT)
def test_model_card_scores_are_what_evaluate_gives(name):
    card = (TRAINED / f"{name}.md").read_text("utf-8")
    result = evaluate(TRAINED / f"{name}.pkl")
    m = result.metrics["macro_f1_score"]
    assert f"| test | {m['value']:.4f} [{m['ci_low']:.4f}, {m['ci_high']:.4f}]" in card


def test_pair_features_see_both_sides():
    same = pair_features("Vale sold the depot to Orrin.", "Vale sold the depot to Orrin in May.")
    other = pair_features("Vale sold the depot to Orrin.", "The weather in Kerrow was fine.")
    assert same[0] > other[0]  # content overlap
    assert np.isfinite(same).all() and np.isfinite(other).all()


@pytest.mark.embeddings
@pytest.mark.skipif(
    not embeddings_available(), reason="needs pip install 'denialbench[embeddings]'"
)
def test_shipped_embedding_baseline_runs_offline():
    result = evaluate(TRAINED / "pair_embedding.pkl", "validation", n_bootstrap=50)
    card = (TRAINED / "pair_embedding.md").read_text("utf-8")
    val = result.metrics["macro_f1_score"]
    assert f"| validation | {val['value']:.4f}" in card


def test_cli_lists_baselines(cli):
    out = cli("baselines", "list", "--json")
    assert out.exit_code == 0
    assert [b["name"] for b in json.loads(out.output)][:5] == LIGHT
