"""`baselines train` reproduces the shipped models' scores from the same seed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from denialbench import InputError
from denialbench.baselines import REGISTRY, fit_baseline, train_baselines
from denialbench.eval import evaluate

TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))


@pytest.mark.parametrize("name", ["majority", "cue_rules", "response_only"])
def test_training_reproduces_the_shipped_scores(tmp_path, name):
    summary = next(train_baselines(name, tmp_path, seed=0))
    shipped = evaluate(TRAINED / f"{name}.pkl", "validation")
    assert summary["validation_macro_f1"] == shipped.macro_f1
    fresh = evaluate(tmp_path / f"{name}.pkl", "test")
    assert fresh.metrics == evaluate(TRAINED / f"{name}.pkl", "test").metrics
    assert (tmp_path / f"{name}.md").read_text("utf-8").startswith(f"# Model card: `{name}`")


def test_selection_uses_validation_only(monkeypatch):
    import denialbench.corpus as corpus

    calls = []
    real_load = corpus.load

    def spy(**kwargs):
        calls.append(kwargs.get("splits"))
        return real_load(**kwargs)

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
