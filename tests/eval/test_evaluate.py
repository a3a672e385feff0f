"""End to end: `denialbench evaluate` on the shipped baselines and on files."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from denialbench.eval import EvaluationResult, evaluate, result_schema

TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))


@pytest.fixture(scope="module")
def pair_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval")
    from typer.testing import CliRunner

    from denialbench._cli import app

    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(TRAINED / "pair_tfidf.pkl"),
            "--out",
            str(out / "r.json"),
            "--report",
            str(out / "report"),
        ],
    )
    assert result.exit_code == 0, result.output
    return out, result.output


def test_cli_writes_a_schema_valid_result(pair_result):
    out, text = pair_result
    content = json.loads((out / "r.json").read_text())
    jsonschema.validate(content, result_schema())
    assert content["data"]["split"] == "test"
    assert len(content["predictions"]) == content["data"]["n_items"]
    assert "macro_f1_score" in text and "Slices by domain" in text
    m = content["metrics"]["macro_f1_score"]
    assert m["ci_low"] < m["value"] < m["ci_high"]
    assert content["contrast_consistency"]["n_groups"] > 0


def test_report_folder_has_tables_and_figures(pair_result):
    out, _ = pair_result
    report = out / "report"
    text = (report / "report.md").read_text()
    assert "Confusion matrix" in text
    for figure in (
        "confusion-matrix.png",
        "reliability.png",
        "slices-domain.png",
        "slices-tag.png",
    ):
        assert (report / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_inputs_same_bytes(pair_result, tmp_path):
    out, _ = pair_result
    again = evaluate(TRAINED / "pair_tfidf.pkl")
    again.save(tmp_path / "r.json")
    assert (tmp_path / "r.json").read_bytes() == (out / "r.json").read_bytes()


@pytest.mark.slow  # whole-corpus scoring: seconds each; CI runs it in `pytest -m slow`
def test_skops_and_pickle_agree():
    a = evaluate(TRAINED / "response_only.skops", n_bootstrap=100)
    b = evaluate(TRAINED / "response_only.pkl", n_bootstrap=100)
    assert a.metrics == b.metrics and a.slices == b.slices


def test_predictions_file_route_reproduces_the_model(pair_result, tmp_path):
    out, _ = pair_result
    original = EvaluationResult.load(out / "r.json")
    rows = []
    for p in original.predictions:
        row = {"id": p["id"], "label": p["label"]}
        row.update(
            {
                f"p_{k}": v
                for k, v in zip(("deny", "confirm", "evade", "unrelated"), p["proba"], strict=True)
            }
        )
        rows.append(json.dumps(row))
    preds = tmp_path / "preds.jsonl"
    preds.write_text("\n".join(rows) + "\n")
    via_file = evaluate(preds)
    assert via_file.metrics == original.metrics
    assert via_file.slices == original.slices


def test_bring_your_own_data_file(tmp_path, frames):
    sample = frames["test"].head(300).copy()
    sample["tags"] = sample["tags"].map(lambda t: ";".join(t))
    path = tmp_path / "mine.csv"
    sample.drop(columns=["source_url", "source"]).to_csv(path, index=False)
    result = evaluate(TRAINED / "majority.pkl", data=path, n_bootstrap=50)
    assert result.content["data"]["kind"] == "file"
    assert result.content["data"]["n_items"] == 300
    assert "domain" in result.slices and "tag" in result.slices
    assert sum(s["n"] for s in result.slices["domain"].values()) == 300


def test_data_file_errors_exit_2(cli, tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(
        '{"id": "a", "claim": "c", "response": "r", "label": "deny"}\n'
        '{"id": "a", "claim": "c", "response": "r", "label": "deny"}\n'
    )
    result = cli("evaluate", TRAINED / "majority.pkl", "--data", path)
    assert result.exit_code == 2 and "mine.jsonl:2: duplicate id 'a'" in result.output
    path.write_text('{"id": "a", "claim": "c", "label": "deny"}\n')
    result = cli("evaluate", TRAINED / "majority.pkl", "--data", path)
    assert result.exit_code == 2 and "missing column(s) response" in result.output


def test_json_output(cli):
    result = cli("evaluate", TRAINED / "cue_rules.pkl", "--json", "--bootstrap", "50")
    assert result.exit_code == 0
    parsed = json.loads(result.output)
    assert parsed["model"]["kind"] == "pickle"
    assert "proba" not in parsed["predictions"][0]


def test_bad_arguments(cli):
    assert cli("evaluate", TRAINED / "majority.pkl", "--split", "train").exit_code == 2
    missing = cli("evaluate", "nowhere.pkl")
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_predict_command_for_practitioners(cli, tmp_path):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "claim,response\n"
        '"The Ledger reported that Mayor Ruiz sold the depot.","The depot is still ours."\n'
        '"Ruiz met the developer on Friday.","No comment on the mayor\'s diary."\n'
    )
    out = tmp_path / "labels.csv"
    result = cli("predict", TRAINED / "pair_tfidf.pkl", "--input", pairs, "--out", out)
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "id,label,p_deny,p_confirm,p_evade,p_unrelated"
    assert len(lines) == 3
    to_stdout = cli("predict", TRAINED / "cue_rules.pkl", "--input", pairs)
    assert to_stdout.exit_code == 0
    assert [json.loads(x)["id"] for x in to_stdout.output.splitlines()] == ["1", "2"]


def test_data_file_slices_match_the_bundled_split(pair_result, tmp_path):
    """--data reads files through Arrow; the bundled split through Python records.

    Both routes must give the same slices: domain, style, label/subtype, tags
    and contrast groups.
    """
    from denialbench.corpus import data_dir

    out, _ = pair_result
    original = EvaluationResult.load(out / "r.json")
    preds = tmp_path / "preds.jsonl"
    shuffled = sorted(original.predictions, key=lambda p: p["id"][::-1])
    preds.write_text(
        "".join(json.dumps({"id": p["id"], "label": p["label"]}) + "\n" for p in shuffled)
    )
    bundled = evaluate(preds, "test", n_bootstrap=50)
    via_file = evaluate(preds, data=data_dir() / "test.jsonl", n_bootstrap=50)
    assert via_file.slices == bundled.slices
    assert via_file.metrics == bundled.metrics
    assert via_file.content["data"]["sha256"] == bundled.content["data"]["sha256"]


def test_data_file_hash_is_of_the_file_as_stored(tmp_path, frames):
    """The hash is taken from the bytes already read, BOM and all, not a second read."""
    from denialbench.corpus import sha256_file

    sample = frames["test"].head(40)[["id", "claim", "response", "label"]]
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + sample.to_csv(index=False).encode("utf-8"))
    result = evaluate(TRAINED / "cue_rules.pkl", data=path, n_bootstrap=0)
    assert result.content["data"]["sha256"] == sha256_file(path)
    assert result.content["data"]["n_items"] == 40
