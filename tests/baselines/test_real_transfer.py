"""The synthetic-to-real transfer table: computed on fixture data, rendered, refused when empty."""

from __future__ import annotations

import json
import shutil

import pytest
from real_fixtures import make_real_root

from denialbench.baselines._transfer import (
    TRAINING_SETS,
    TRANSFER_MODELS,
    real_transfer_markdown,
    real_transfer_text,
    transfer_record,
    write_transfer,
)
from denialbench.corpus import _loading
from denialbench.corpus._real_build import build_real


@pytest.fixture(scope="module")
def real_data(tmp_path_factory):
    """The bundled synthetic splits beside a fixture DenialBench-Real (real_train = real_test)."""
    root = make_real_root(tmp_path_factory.mktemp("transfer"))
    (root / "sources" / "real" / "splits.json").write_text(
        json.dumps({"real_test": 1.0, "real_validation": 0.0, "real_train": 0.0})
    )
    build_real(root)
    data = root / "data"
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl", "checksums.json"):
        shutil.copy(_loading.data_dir() / name, data / name)
    rows = [json.loads(line) for line in (data / "real_test.jsonl").read_text("utf-8").splitlines()]
    (data / "real_train.jsonl").write_text(
        "".join(json.dumps({**r, "split": "real_train"}) + "\n" for r in rows), "utf-8"
    )
    return data


@pytest.fixture(scope="module")
def record(real_data, frames):
    train = frames["train"]
    # tiny training sets: the point is the wiring, not the figures
    small = {"train": train.iloc[:120], "real_train": train.iloc[120:200]}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_loading, "data_dir", lambda: real_data)
        return transfer_record(n_bootstrap=10, seed=1, frames=small, today="2026-12-01")


@pytest.mark.slow
def test_every_model_is_scored_on_both_splits_after_each_training_set(record, real_data):
    assert set(record["scores"]) == set(TRANSFER_MODELS)
    for by_set in record["scores"].values():
        assert set(by_set) == set(TRAINING_SETS)
        for by_split in by_set.values():
            assert set(by_split) == {"test", "real_test"}
            # the fixture's ambiguous item is left out of real_test's headline
            n_real = len((real_data / "real_test.jsonl").read_text("utf-8").splitlines())
            assert by_split["real_test"]["n_items"] == n_real - 1
            assert 0.0 <= by_split["test"]["macro_f1"]["value"] <= 1.0
    assert record["training_sizes"] == {"train": 120, "real_train": 80}
    assert set(record["sha256"]) == {"train", "real_train", "test", "real_test"}
    assert record["seed"] == 1 and record["date"] == "2026-12-01"


@pytest.mark.slow
def test_the_table_generator_renders_the_record(record, tmp_path):
    text = real_transfer_markdown(record)
    assert text.count("\n| pair_tfidf | ") == len(TRAINING_SETS)
    cell = record["scores"]["cue_rules"]["train + real_train"]["real_test"]
    macro = cell["macro_f1"]
    expected = f"{macro['value']:.3f} [{macro['ci_low']:.3f}, {macro['ci_high']:.3f}]"
    row = next(line for line in text.splitlines() if line.startswith("| cue_rules | train + "))
    assert expected in row and f"{cell['deny_f1']:.3f} |" in row
    assert record["sha256"]["real_test"][:16] in text
    write_transfer(record, tmp_path / "corpus")
    assert real_transfer_text(tmp_path) == text


def test_without_a_record_the_block_says_not_computed_yet(tmp_path):
    assert "not computed yet" in real_transfer_text(tmp_path)


def test_empty_real_splits_exit_2_with_a_message(cli, tmp_path, monkeypatch):
    for split in ("real_train", "real_validation", "real_test"):
        (tmp_path / f"{split}.jsonl").write_text("", "utf-8")
    monkeypatch.setattr(_loading, "data_dir", lambda: tmp_path)
    out = cli("baselines", "transfer", "--corpus-dir", tmp_path / "corpus")
    assert out.exit_code == 2
    assert "real_train, real_test split(s) are empty" in out.output
    assert not (tmp_path / "corpus").exists()
