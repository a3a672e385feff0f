"""The project files around the package: citation and changelog."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from denialbench.corpus import CORPUS_VERSION


def _read(repo: Path, name: str) -> str:
    path = repo / name
    if not path.exists():
        pytest.skip("needs a checkout")
    return path.read_text("utf-8")


def test_citation_names_the_corpus_version(repo):
    text = _read(repo, "CITATION.cff")
    assert re.search(r"^cff-version: 1\.2\.0$", text, re.M)
    version = re.search(r'^version: "([^"]+)"$', text, re.M)
    assert version, "CITATION.cff has no quoted top-level version"
    assert version.group(1) == CORPUS_VERSION, "set CITATION.cff's version to the corpus version"


def test_changelog_has_unreleased_and_the_package_version(repo):
    text = _read(repo, "CHANGELOG.md")
    package = tomllib.loads(_read(repo, "pyproject.toml"))["project"]["version"]
    headings = re.findall(r"^## (\S+)", text, re.M)
    assert headings[0] == "Unreleased"
    assert package in headings, f"CHANGELOG.md has no section for version {package}"


def test_dataset_card_citation_names_the_corpus_version(repo):
    text = _read(repo, "corpus/README.md")
    citation = text[text.index("## Citation") :]
    assert f"note   = {{Corpus version {CORPUS_VERSION}}}" in citation
