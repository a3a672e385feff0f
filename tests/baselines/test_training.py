"""`baselines train`: selection on validation, progress output, and retraining.

Training does float arithmetic (BLAS kernels, solver iterations) whose last
bits differ between CPUs, so a model retrained on another machine can differ
from the shipped one on a few borderline items, and two candidates whose
validation scores are within a hair can swap places. The retraining checks
therefore compare scores within a tolerance and predictions by their share
of agreement, never by exact equality.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from denialbench import InputError
from denialbench.baselines import REGISTRY, fit_baseline, train_baselines
from denialbench.eval import EvaluationResult, evaluate

TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))
#: Shipped baselines that retrain without the optional [embeddings] extra.
RETRAINABLE = [
    name for name, spec in REGISTRY.items() if spec.shipped and not spec.needs_embeddings
]
#: A retrained model's macro-F1 lies within this of the shipped model's.
F1_TOLERANCE = 0.01
#: A model refitted with the shipped hyperparameters agrees with the shipped
#: model on at least this share of the test items.
MIN_AGREEMENT = 0.98

_INPUT = ["id", "claim", "response"]


def _agreement(a: EvaluationResult, b: EvaluationResult) -> float:
    labels = {p["id"]: p["label"] for p in b.predictions}
    return sum(labels[p["id"]] == p["label"] for p in a.predictions) / len(labels)


def _toy_frames() -> dict[str, pd.DataFrame]:
    rows = []
    for i, (claim, response, label) in enumerate(
        [
            ("Mayor Vale sold the depot.", "Vale sold nothing at all.", "deny"),
            ("Mayor Vale sold the depot.", "Yes, Vale sold the depot.", "confirm"),
            ("Mayor Vale sold the depot.", "We do not comment on the depot.", "evade"),
            ("Mayor Vale sold the depot.", "The library opens today.", "unrelated"),
        ]
        * 3
    ):
        rows.append({"id": f"toy{i}", "claim": claim, "response": response, "label": label})
    frame = pd.DataFrame(rows)
    return {"train": frame, "validation": frame}


def test_training_reports_each_candidate():
    lines: list[str] = []
    _, log = fit_baseline("claim_only", frames=_toy_frames(), report=lines.append)
    grid = REGISTRY["claim_only"].grid["C"]
    assert lines[0].startswith(f"claim_only: {len(grid)} candidate(s), fitting on 12 train items")
    for number, value in enumerate(grid, start=1):
        assert re.search(
            rf"^claim_only \[{number}/{len(grid)}\] C={value}: validation macro-F1 [0-9.]+ \(",
            lines[number],
            re.M,
        ), lines[number]
    assert lines[-1].startswith(f"claim_only: selected C={log['selected']['C']}")


def test_cli_train_prints_progress_on_stderr(cli, tmp_path):
    out = cli("baselines", "train", "majority", "--out", tmp_path)
    assert out.exit_code == 0, out.output
    assert "majority [1/1] no hyperparameters: validation macro-F1 0." in out.stderr
    assert "majority: saved; scoring validation and test" in out.stderr
    assert (tmp_path / "majority.md").read_text("utf-8").startswith("# Model card: `majority`")


def test_selection_uses_validation_only(monkeypatch):
    import denialbench.corpus as corpus

    calls = []

    def spy(**kwargs):
        calls.append(kwargs.get("splits"))
        return _toy_frames()  # which splits are asked for is the point, not the fit

    monkeypatch.setattr(corpus, "load", spy)
    _, log = fit_baseline("claim_only")
    assert calls == [("train", "validation")]
    assert len(log["trials"]) == len(REGISTRY["claim_only"].grid["C"])
    assert log["selected"]["C"] in REGISTRY["claim_only"].grid["C"]


def test_unknown_baseline(cli):
    with pytest.raises(InputError, match="unknown baseline"):
        next(train_baselines("gpt-99", "/tmp/nowhere"))
    out = cli("baselines", "train", "gpt-99")
    assert out.exit_code == 2


@pytest.fixture(scope="module")
def train_frame():
    from denialbench.corpus import load

    return load(as_pandas=True, splits=("train",))["train"]


@pytest.mark.slow
@pytest.mark.parametrize("name", RETRAINABLE)
def test_factory_defaults_refit_the_shipped_model(train_frame, name):
    """`make_<name>().fit(train)` gives the shipped model, up to CPU float noise."""
    model = REGISTRY[name].factory().fit(train_frame[_INPUT], train_frame["label"])
    refit = evaluate(model, "test", n_bootstrap=0)
    shipped = evaluate(TRAINED / f"{name}.pkl", "test", n_bootstrap=0)
    assert refit.macro_f1 == pytest.approx(shipped.macro_f1, abs=F1_TOLERANCE)
    assert _agreement(refit, shipped) >= MIN_AGREEMENT


@pytest.mark.slow
@pytest.mark.parametrize("name", RETRAINABLE)
def test_training_reproduces_the_shipped_scores(tmp_path, name):
    summary = next(train_baselines(name, tmp_path, seed=0))
    for split in ("validation", "test"):
        shipped = evaluate(TRAINED / f"{name}.pkl", split, n_bootstrap=0)
        assert summary[f"{split}_macro_f1"] == pytest.approx(shipped.macro_f1, abs=F1_TOLERANCE)
    assert (tmp_path / f"{name}.md").read_text("utf-8").startswith(f"# Model card: `{name}`")
    assert {p.name for p in tmp_path.iterdir()} == {f"{name}.{s}" for s in ("skops", "pkl", "md")}
