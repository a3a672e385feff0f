"""Shared fixtures. Tests mirror the packages: tests/corpus, tests/baselines, tests/eval."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from denialbench._cli import app
from denialbench.corpus import data_dir, load

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def frames():
    """The bundled corpus as pandas frames (string labels)."""
    return load(as_pandas=True)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled split files and checksums."""
    target = tmp_path / "data"
    shutil.copytree(data_dir(), target, ignore=shutil.ignore_patterns(".*"))
    return target


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args])

    return invoke


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
