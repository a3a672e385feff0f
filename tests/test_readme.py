"""The README's Python tour reproduces the score the README's table shows."""

from __future__ import annotations

import contextlib
import io
import re
from importlib import resources
from pathlib import Path

import pytest

from denialbench.eval import evaluate

TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))


def _python_tour(repo: Path) -> str:
    path = repo / "README.md"
    if not path.exists():
        pytest.skip("needs a checkout")
    found = re.search(r"In Python:\n\n```python\n(.*?)```", path.read_text("utf-8"), re.S)
    assert found, "README.md has no 'In Python:' block"
    return found.group(1)


def test_python_tour_builds_the_shipped_baseline(repo):
    tour = _python_tour(repo)
    # the factory defaults are the shipped hyperparameters (tests/baselines), so
    # the tour's model is the table's pair_tfidf only if it passes no arguments
    assert "make_pair_tfidf().fit(" in tour
    assert 'evaluate(model, "test")' in tour


@pytest.mark.slow
def test_python_tour_reproduces_the_shipped_score(repo):
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(compile(_python_tour(repo), "README.md", "exec"), namespace)
    assert "'value'" in printed.getvalue()
    result = namespace["result"]
    shipped = evaluate(TRAINED / "pair_tfidf.pkl", "test")
    # a refit differs from the shipped model only by CPU float noise (see
    # tests/baselines/test_training.py), never by a different hyperparameter
    assert result.macro_f1 == pytest.approx(shipped.macro_f1, abs=0.01)
    shipped_labels = {p["id"]: p["label"] for p in shipped.predictions}
    agree = sum(shipped_labels[p["id"]] == p["label"] for p in result.predictions)
    assert agree / len(shipped_labels) >= 0.98
