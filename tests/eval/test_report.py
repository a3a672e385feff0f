"""The evaluation report's figures, the single-label slices and `evaluate --errors`."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from denialbench.corpus import CORPUS_VERSION
from denialbench.eval import EvaluationResult, evaluate
from denialbench.eval._misclassified import misclassified_rows, write_misclassified
from denialbench.eval._report import (
    confusion_figure,
    reliability_figure,
    slice_figure,
    write_report,
)
from denialbench.eval._summary import summary_tables

TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))
NAMES = ("pair_tfidf.pkl", "split test", f"corpus {CORPUS_VERSION}")


@pytest.fixture(scope="module")
def result():
    return evaluate(TRAINED / "pair_tfidf.pkl", n_bootstrap=50)


@pytest.fixture(scope="module")
def plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def _names_the_run(fig) -> None:
    title = fig._suptitle.get_text()
    assert all(name in title for name in NAMES), title


def test_confusion_matrix_is_row_normalised_with_a_colour_bar(result, plt):
    fig = confusion_figure(result)
    _names_the_run(fig)
    shares, counts = fig.axes[0], fig.axes[1]
    assert "Row-normalised" in shares.get_title() and counts.get_title() == "Counts"
    colour_bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(colour_bars) == 2
    cm = np.asarray(result.content["confusion_matrix"]["matrix"])
    share_cells = np.array([float(t.get_text()) for t in shares.texts]).reshape(cm.shape)
    np.testing.assert_allclose(share_cells.sum(axis=1), 1.0, atol=0.02)
    np.testing.assert_allclose(share_cells, cm / cm.sum(axis=1, keepdims=True), atol=0.005)
    assert [int(t.get_text()) for t in counts.texts] == cm.ravel().tolist()
    assert shares.images[0].get_clim() == (0.0, 1.0)
    plt.close(fig)


def test_reliability_diagram_shows_bin_counts_and_ece(result, plt):
    fig = reliability_figure(result)
    _names_the_run(fig)
    top, bottom = fig.axes
    ece = result.metrics["ece_loss"]["value"]
    assert f"ECE {ece:.3f}" in top.get_title()
    assert sum(int(t.get_text()) for t in bottom.texts) == result.content["data"]["n_items"]
    assert bottom.get_ylabel() == "items per bin"
    plt.close(fig)


def test_no_reliability_diagram_without_probabilities():
    rules = evaluate(TRAINED / "cue_rules.pkl", n_bootstrap=10)
    assert "proba" not in rules.predictions[0]
    assert reliability_figure(rules) is None


@pytest.mark.parametrize("kind", ["domain", "subtype", "tag"])
def test_slice_bars_carry_n_and_the_overall_line(result, plt, kind):
    fig = slice_figure(result, kind)
    _names_the_run(fig)
    assert f"Accuracy by {kind}" in fig._suptitle.get_text()
    ax = fig.axes[0]
    table = result.slices[kind]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"{name} (n={s['n']})" for name, s in table.items()]
    overall = result.metrics["accuracy_score"]["value"]
    assert any(np.allclose(line.get_xdata(), overall) for line in ax.get_lines())
    assert ax.get_legend().get_texts()[0].get_text() == f"overall {overall:.3f}"
    plt.close(fig)


def test_report_folder_lists_the_figures(result, tmp_path):
    path = write_report(result, tmp_path / "report")
    text = path.read_text()
    for name in ("confusion-matrix.png", "reliability.png", "slices-subtype.png"):
        assert f"![{name}]({name})" in text
        assert (tmp_path / "report" / name).read_bytes()[:4] == b"\x89PNG"
    assert "accuracy only" in text


# ---------------------------------------------------------------- single-label slices


def test_single_label_slices_report_accuracy_only(result):
    subtype = result.slices["subtype"]
    assert set(subtype["confirm/corroborating"]) == {"n", "gold_label", "accuracy_score"}
    assert subtype["confirm/corroborating"]["gold_label"] == "confirm"
    assert result.slices["tag"]["no_cue"]["gold_label"] == "deny"  # no_cue marks denials
    mixed = result.slices["domain"]
    assert all({"macro_f1_score", "deny_f1_score"} <= set(s) for s in mixed.values())
    assert all("gold_label" not in s for s in mixed.values())
    table = next(t for t in summary_tables(result) if t["title"].startswith("Slices by subtype"))
    row = next(r for r in table["rows"] if r[0] == "confirm/corroborating")
    assert row[3:] == ["-", "-"]


def test_version_1_results_stay_readable(result, tmp_path):
    content = json.loads(result.to_json())
    content["schema_version"] = 1
    for figures in content["slices"]["subtype"].values():
        del figures["gold_label"]
        figures["macro_f1_score"] = {"value": 0.1, "ci_low": 0.1, "ci_high": 0.1}
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(content))
    assert EvaluationResult.load(path).content["schema_version"] == 1


# ---------------------------------------------------------------- --errors


def test_misclassified_rows_hold_text_gold_prediction_and_probabilities(result):
    rows = misclassified_rows(result)
    wrong = [p for p in result.predictions if p["gold"] != p["label"]]
    assert len(rows) == len(wrong) > 0
    first = rows[0]
    assert list(first)[:5] == ["id", "claim", "response", "gold", "prediction"]
    assert first["id"] == wrong[0]["id"] and first["prediction"] == wrong[0]["label"]
    assert first["claim"] and first["response"]
    assert [first[f"p_{k}"] for k in ("deny", "confirm", "evade", "unrelated")] == wrong[0]["proba"]


def test_a_loaded_result_reads_the_texts_again(result, tmp_path):
    path = tmp_path / "r.json"
    result.save(path)
    assert misclassified_rows(EvaluationResult.load(path)) == misclassified_rows(result)


def test_cli_errors_csv_and_jsonl(cli, tmp_path):
    model = TRAINED / "claim_only.pkl"
    out = cli("evaluate", model, "--bootstrap", "10", "--errors", tmp_path / "e.csv")
    assert out.exit_code == 0, out.output
    with open(tmp_path / "e.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(r["gold"] != r["prediction"] for r in rows)
    assert set(rows[0]) >= {"id", "claim", "response", "p_deny", "p_unrelated"}
    (tmp_path / "e.jsonl").write_text("old\n")  # replaced, as --out replaces
    out = cli("evaluate", model, "--bootstrap", "10", "--errors", tmp_path / "e.jsonl")
    assert out.exit_code == 0, out.output
    lines = (tmp_path / "e.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [r["id"] for r in rows]


def test_cli_errors_refuses_other_extensions(cli, tmp_path):
    out = cli("evaluate", TRAINED / "claim_only.pkl", "--errors", tmp_path / "e.txt")
    assert out.exit_code == 2
    assert ".csv or .jsonl" in out.output and not (tmp_path / "e.txt").exists()


def test_write_misclassified_refuses_other_extensions(result, tmp_path):
    from denialbench import InputError

    with pytest.raises(InputError, match=r"\.csv or \.jsonl"):
        write_misclassified(result, tmp_path / "e.xlsx")
