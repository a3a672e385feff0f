"""The CLI shell: help, exit codes, no tracebacks, `python -m denialbench`."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_help_lists_the_commands(cli):
    out = cli("--help")
    assert out.exit_code == 0
    for command in ("evaluate", "compare", "predict", "corpus", "baselines", "leaderboard", "docs"):
        assert command in out.output


@pytest.mark.parametrize("group", ["corpus", "baselines", "leaderboard"])
def test_groups_have_help(cli, group):
    out = cli(group, "--help")
    assert out.exit_code == 0


def test_evaluate_help_warns_about_pickles(cli):
    out = cli("evaluate", "--help")
    assert "can run code" in " ".join(out.output.split())


def test_python_dash_m():
    done = subprocess.run(
        [sys.executable, "-m", "denialbench", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "evaluate" in done.stdout


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from denialbench._cli import app; "
        "heavy = [m for m in ('pandas', 'sklearn', 'datasets', 'matplotlib', 'torch') "
        "if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_docs_are_current(cli, repo):
    if not (repo / "README.md").exists():
        pytest.skip("needs a checkout")
    out = cli("docs", "--check", "--root", repo)
    assert out.exit_code == 0, out.output
