"""The dataset card and the Croissant file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from denialbench.corpus import CORPUS_VERSION, checksums


@pytest.fixture
def card_text(repo):
    path = repo / "corpus" / "README.md"
    if not path.exists():
        pytest.skip("needs a checkout")
    return path.read_text("utf-8")


def test_card_has_the_sections_a_dataset_card_needs(card_text):
    for heading in (
        "## Motivation",
        "## Composition",
        "## How it was made",
        "## Agreement study",
        "## Known limitations",
        "## Licence",
        "## Citation",
    ):
        assert heading in card_text, heading
    assert "CANARY GUID" in card_text
    assert "license: cc-by-4.0" in card_text
    assert f"Corpus version **{CORPUS_VERSION}**" in card_text


def test_card_records_the_split_checksums(card_text):
    for sha in checksums()["sha256"].values():
        assert sha in card_text


def test_croissant_file_validates(repo):
    path = repo / "corpus" / "croissant.json"
    if not path.exists():
        pytest.skip("needs a checkout")
    tool = Path(sys.executable).parent / "mlcroissant"  # the console script of the package
    done = subprocess.run(
        [str(tool), "validate", "--jsonld", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=path.parent,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    content = json.loads(path.read_text("utf-8"))
    assert content["version"] == CORPUS_VERSION
    for key in (
        "rai:dataCollection",
        "rai:dataBiases",
        "rai:dataLimitations",
        "rai:personalSensitiveInformation",
        "rai:dataAnnotationProtocol",
    ):
        assert content.get(key), key
    shas = {d["sha256"] for d in content["distribution"]}
    assert shas == set(checksums()["sha256"].values())


def test_croissant_records_load(repo):
    import mlcroissant as mlc

    path = repo / "corpus" / "croissant.json"
    if not path.exists():
        pytest.skip("needs a checkout")
    dataset = mlc.Dataset(jsonld=str(path))
    first = next(iter(dataset.records(record_set="validation")))
    assert any(key.endswith("label") for key in first)
