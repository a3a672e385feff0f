"""The cross_encoder baseline: fine-tuning, selection on validation, the saved folder.

The tests fine-tune the tiny random checkpoint of tests/hf_fixtures.py
(``base_model=``), not the real MiniLM, on a handful of items: they check the
pipeline, not the scores.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hf_fixtures import write_tiny_checkpoint

from denialbench.baselines import REGISTRY, CrossEncoderClassifier, make_cross_encoder
from denialbench.corpus import LABELS
from denialbench.eval._hf_folder import check_model_folder

pytest.importorskip("torch", reason="the cross_encoder needs the [embeddings] extra")
pytest.importorskip("transformers", reason="the cross_encoder needs the [embeddings] extra")

_INPUT = ["id", "claim", "response"]


def _frame(n_copies: int = 2) -> pd.DataFrame:
    rows = []
    pairs = [
        ("The mayor sold the depot, the report said.", "No, that is false.", "deny"),
        ("The mayor sold the depot, the report said.", "Yes, the mayor sold it.", "confirm"),
        ("The mayor sold the depot, the report said.", "We declined to comment.", "evade"),
        ("The mayor sold the depot, the report said.", "The library opens on monday.", "unrelated"),
    ]
    for i, (claim, response, label) in enumerate(pairs * n_copies):
        rows.append({"id": f"t{i}", "claim": claim, "response": response, "label": label})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return write_tiny_checkpoint(tmp_path_factory.mktemp("ce") / "base")


def _fit(base: Path, **params) -> CrossEncoderClassifier:
    frame = _frame()
    settings = {"learning_rate": 1e-3, "epochs": 2, "batch_size": 4, "base_model": str(base)}
    return CrossEncoderClassifier(**{**settings, **params}).fit(
        frame[_INPUT], frame["label"], validation=(frame[_INPUT], frame["label"])
    )


def test_fit_scores_every_epoch_and_keeps_the_best(base):
    model = _fit(base)
    assert [e["epoch"] for e in model.history_] == [1, 2]
    best = max(model.history_, key=lambda e: e["validation_macro_f1"])
    assert model.best_epoch_ == best["epoch"]
    proba = model.predict_proba(_frame())
    assert proba.shape == (8, len(LABELS))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.classes_) == list(LABELS)
    assert model.steps_ == 2 * 2 and model.step_seconds_ > 0  # 8 items, batch 4, 2 epochs


def test_the_same_seed_gives_the_same_model(base):
    a, b = _fit(base, seed=3), _fit(base, seed=3)
    np.testing.assert_array_equal(a.predict_proba(_frame()), b.predict_proba(_frame()))
    assert a.history_[0]["train_loss"] == b.history_[0]["train_loss"]


def test_batches_cover_every_item_once_with_similar_lengths():
    model = CrossEncoderClassifier(batch_size=4)
    lengths = np.arange(1000) % 97
    batches = model._batches(lengths, np.random.default_rng(0))
    together = np.concatenate(batches)
    assert sorted(together.tolist()) == list(range(1000))
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    assert spread < 10  # sorted within chunks: far less than the 0..96 range of a random batch


def test_the_saved_folder_is_float16_and_reads_back_as_a_checkpoint(base, tmp_path):
    from safetensors import safe_open

    from denialbench.eval._hf_model import load_checkpoint

    model = _fit(base)
    folder = model.save(tmp_path / "saved")
    spec = check_model_folder(folder)  # the format `evaluate DIR` reads
    assert spec.label_columns == (0, 1, 2, 3) and spec.max_length == model.max_length_
    with safe_open(str(folder / "model.safetensors"), "pt") as weights:
        names = weights.keys()
        assert {str(weights.get_slice(k).get_dtype()) for k in names} == {"F16"}
    loaded = load_checkpoint(folder)
    # float16 storage rounds the weights: close to the float32 model, not equal
    np.testing.assert_allclose(
        loaded.predict_proba(_frame()[_INPUT]), model.predict_proba(_frame()), atol=1e-2
    )
    assert next(model.model_.parameters()).dtype.is_floating_point  # still trainable float32
    assert str(next(model.model_.parameters()).dtype) == "torch.float32"


def test_the_factory_is_a_scikit_learn_estimator():
    from sklearn.base import clone

    model = clone(make_cross_encoder(learning_rate=3e-5, epochs=2))
    assert model.get_params()["learning_rate"] == 3e-5 and model.get_params()["epochs"] == 2
    spec = REGISTRY["cross_encoder"]
    assert spec.artifact == "folder" and spec.needs_embeddings and spec.extra_data
    assert set(spec.grid) <= set(model.get_params())


def test_train_cross_encoder_saves_a_folder_a_card_and_scores_it(base, tmp_path):
    from denialbench.baselines._cross_encoder_training import MAX_FOLDER_BYTES, train_cross_encoder

    frame = _frame()
    lines: list[str] = []
    summary = train_cross_encoder(
        tmp_path,
        seed=0,
        learning_rates=[1e-3, 3e-3],
        epochs=2,
        base_model=base,
        frames={"train": frame, "validation": frame},
        splits=["validation"],
        report=lines.append,
    )
    folder = tmp_path / "cross_encoder"
    check_model_folder(folder)
    assert sum(p.stat().st_size for p in folder.iterdir()) <= MAX_FOLDER_BYTES
    card = (tmp_path / "cross_encoder.md").read_text("utf-8")
    selected = ast.literal_eval(re.search(r"Selected hyperparameters: `(.*?)`", card).group(1))
    assert selected == summary["selected"] and selected["learning_rate"] in (1e-3, 3e-3)
    # every (learning rate, epoch) of the grid has its validation row
    assert len(re.findall(r"^\| 0\.00[13] \| [12] \|", card, flags=re.M)) == 4
    assert "s wall-clock" in card and "CPU core(s)" in card and "torch " in card
    assert re.search(r"\| validation \| [0-9.]+ \[", card)  # scored by the harness
    assert any("selected learning_rate" in line for line in lines)


def test_folder_options_are_refused_for_other_baselines(cli, tmp_path):
    out = cli("baselines", "train", "pair_tfidf", "--epochs", "2", "--out-dir", tmp_path)
    assert out.exit_code == 2
    assert "--epochs: only for the fine-tuned baselines (cross_encoder)" in out.output


@pytest.mark.slow  # fine-tunes, then scores every bundled split in the sandbox: ~40 s
def test_cli_trains_and_evaluate_reads_the_folder_with_no_trust_flags(cli, base, tmp_path):
    out = cli(
        "baselines", "train", "cross_encoder", "--seed", "0", "--base-model", base,
        "--max-train-items", "16", "--epochs", "1", "--learning-rate", "1e-3",
        "--out-dir", tmp_path,
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "cross_encoder: validation macro-F1" in out.output
    scored = cli("evaluate", tmp_path / "cross_encoder", "--json", "--bootstrap", "20")
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.output)["model"]["kind"] == "checkpoint"
    card = (tmp_path / "cross_encoder.md").read_text("utf-8")
    assert "--max-train-items 16" in card and "train split (16 items)" in card
