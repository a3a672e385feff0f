"""Scoring on DenialBench-Real: the headline leaves out the ambiguous items."""

from __future__ import annotations

import json

import numpy as np
import pytest
from real_fixtures import make_real_root, write_jsonl

from denialbench import InputError
from denialbench.corpus import _loading
from denialbench.corpus._io import iter_jsonl
from denialbench.corpus._real_build import build_real
from denialbench.eval import evaluate
from denialbench.eval._data import load_eval_data


@pytest.fixture
def real_data(tmp_path, monkeypatch):
    """The fixture corpus built with every week in real_test, as the bundled data."""
    root = make_real_root(tmp_path)
    shares = {"real_test": 1.0, "real_validation": 0.0, "real_train": 0.0}
    (root / "sources" / "real" / "splits.json").write_text(json.dumps(shares))
    build_real(root)
    monkeypatch.setattr(_loading, "data_dir", lambda: root / "data")
    return root / "data"


def test_load_real_config_as_pandas(real_data):
    frames = _loading.load(config="real", as_pandas=True)
    assert set(frames) == {"real_train", "real_validation", "real_test"}
    test = frames["real_test"]
    assert len(test) > 0 and len(frames["real_train"]) == 0
    assert {"speaker", "question", "source_url", "annotations", "ambiguous"} <= set(test)
    # every label has a count, 0 when nobody chose it
    assert all(set(a) == {"deny", "confirm", "evade", "unrelated"} for a in test["annotations"])


def test_load_real_config_as_datasets(real_data):
    ds = _loading.load(config="real", splits=("real_test",))
    assert ds["real_test"].features["label"].names == ["deny", "confirm", "evade", "unrelated"]
    assert ds["real_test"].features["annotations"]["deny"].dtype == "int32"


def test_unknown_config_is_an_input_error():
    with pytest.raises(InputError, match="unknown config 'rea'"):
        _loading.load(config="rea")


def test_a_missing_real_split_names_the_build_command(tmp_path, monkeypatch):
    monkeypatch.setattr(_loading, "data_dir", lambda: tmp_path)
    with pytest.raises(InputError, match="denialbench corpus real build"):
        _loading.read_bundled_split("real_test")


def test_eval_data_marks_ambiguous_items_out_of_the_headline(real_data):
    data = load_eval_data("real_test")
    records = [r for _, r in iter_jsonl(real_data / "real_test.jsonl")]
    assert data.headline is not None
    assert (~data.headline).sum() == sum(r["ambiguous"] for r in records) == 1
    assert set(data.slices) >= {"ambiguous", "origin", "collection", "subtype"}


def test_headline_scores_clear_items_and_the_slice_shows_the_ambiguous(real_data, tmp_path):
    records = [r for _, r in iter_jsonl(real_data / "real_test.jsonl")]
    # right on every clear item, wrong on the ambiguous one
    wrong = {"deny": "unrelated", "confirm": "unrelated", "evade": "unrelated", "unrelated": "deny"}
    rows = [
        {"id": r["id"], "label": wrong[r["label"]] if r["ambiguous"] else r["label"]}
        for r in records
    ]
    preds = write_jsonl(tmp_path / "preds.jsonl", rows)
    result = evaluate(preds, "real_test", n_bootstrap=20).to_dict()
    assert result["data"]["n_items"] == len(records)
    assert result["data"]["n_headline_items"] == len(records) - 1
    assert result["metrics"]["accuracy_score"]["value"] == 1.0
    assert np.sum(result["confusion_matrix"]["matrix"]) == len(records) - 1
    assert result["slices"]["ambiguous"]["ambiguous"]["accuracy_score"]["value"] == 0.0
    assert result["slices"]["ambiguous"]["ambiguous"]["n"] == 1


def test_cli_evaluate_on_real_test(real_data, tmp_path, cli):
    records = [r for _, r in iter_jsonl(real_data / "real_test.jsonl")]
    preds = write_jsonl(tmp_path / "p.jsonl", [{"id": r["id"], "label": "evade"} for r in records])
    done = cli("evaluate", preds, "--split", "real_test", "--bootstrap", "10", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["data"]["split"] == "real_test"


def test_cli_rejects_an_unknown_split(cli, tmp_path):
    preds = write_jsonl(tmp_path / "p.jsonl", [{"id": "x", "label": "deny"}])
    done = cli("evaluate", preds, "--split", "real_tset")
    assert done.exit_code == 2
    assert "real_test" in done.output


def test_compare_on_real_test_leaves_out_the_ambiguous_items(real_data, tmp_path):
    from denialbench.eval._compare import compare

    records = [r for _, r in iter_jsonl(real_data / "real_test.jsonl")]
    paths = []
    for name, label in (("a", "deny"), ("b", "evade")):
        preds = write_jsonl(
            tmp_path / f"{name}.jsonl", [{"id": r["id"], "label": label} for r in records]
        )
        out = tmp_path / f"{name}.json"
        evaluate(preds, "real_test", n_bootstrap=10).save(out)
        paths.append(out)
    compared = compare(*paths, n_bootstrap=50)
    assert compared["n_items"] == len(records) - 1


def test_real_test_as_a_task_scores_the_headline_items_only(real_data):
    from denialbench.eval import evaluate_task

    records = [r for _, r in iter_jsonl(real_data / "real_test.jsonl")]
    wrong = {"deny": "unrelated", "confirm": "unrelated", "evade": "unrelated", "unrelated": "deny"}
    truth = {r["id"]: wrong[r["label"]] if r["ambiguous"] else r["label"] for r in records}

    class RightOnTheClearItems:
        def predict(self, frame):
            return np.array([truth[i] for i in frame["id"]], dtype=object)

    result = evaluate_task(RightOnTheClearItems(), "denialbench:real_test", n_bootstrap=20)
    scores = result.to_dict()["task"]["scores"]
    # the ambiguous item, predicted wrong, counts in none of the task's scores
    assert scores["deny_recall_score"]["value"] == 1.0
    assert scores["deny_precision_score"]["value"] == 1.0
    assert scores["macro_f1_score"] == result.to_dict()["metrics"]["macro_f1_score"]
