"""`predict_file`: what it refuses before loading a model or reading the pairs."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from denialbench import InputError
from denialbench.eval._predict import check_output_path, predict_file

TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))


@pytest.mark.parametrize("name", ["x.txt", "x.tsv", "x.json", "x"])
def test_unknown_output_suffixes_are_refused(tmp_path, name):
    with pytest.raises(InputError, match="unknown output format"):
        check_output_path(tmp_path / name)


@pytest.mark.parametrize("name", ["x.jsonl", "x.csv", "X.CSV"])
def test_known_output_suffixes_pass(tmp_path, name):
    check_output_path(tmp_path / name)


def test_output_format_follows_the_suffix(tmp_path):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("claim,response\nc,r\n")
    as_csv = predict_file(TRAINED / "majority.skops", pairs, out=tmp_path / "o.csv")
    as_jsonl = predict_file(TRAINED / "majority.skops", pairs, out=tmp_path / "o.jsonl")
    assert as_csv.startswith("id,label") and as_jsonl.startswith('{"id": "1"')


def test_the_model_is_checked_before_the_pairs(tmp_path):
    folder = tmp_path / "model.pkl"
    folder.mkdir()
    with pytest.raises(InputError, match=r"no config\.json"):
        predict_file(folder, tmp_path / "no_pairs_here.csv")
    with pytest.raises(InputError, match="needs a model file"):
        predict_file(tmp_path / "preds.jsonl", tmp_path / "no_pairs_here.csv")
