"""The package installs as one namespace and carries its data."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

import denialbench
from denialbench.corpus import data_dir


@pytest.mark.parametrize("generic", ["corpus", "eval", "baselines"])
def test_no_generic_top_level_package_is_installed(generic):
    spec = importlib.util.find_spec(generic)
    # `eval` is a builtin function, never a module; corpus/baselines must not resolve
    assert spec is None or "site-packages" not in str(spec.origin or "")


def test_subpackages_share_the_denialbench_namespace():
    import denialbench.baselines
    import denialbench.corpus
    import denialbench.eval

    for module in (denialbench.corpus, denialbench.baselines, denialbench.eval):
        assert module.__name__.startswith("denialbench.")
        assert module.__all__


def test_package_data_is_present():
    for split in ("train", "validation", "test"):
        assert (data_dir() / f"{split}.jsonl").stat().st_size > 0
    assert (data_dir() / "checksums.json").exists()
    from importlib import resources

    assert (resources.files("denialbench.eval") / "result.schema.json").is_file()
    assert (resources.files("denialbench.baselines") / "trained" / "pair_tfidf.pkl").is_file()


def test_install_mode_matches_what_ci_asked_for():
    """CI sets DENIALBENCH_EXPECT_INSTALLED to 'wheel' or 'editable'."""
    expected = os.environ.get("DENIALBENCH_EXPECT_INSTALLED")
    if expected is None:
        pytest.skip("DENIALBENCH_EXPECT_INSTALLED not set (only CI checks the install mode)")
    location = Path(denialbench.corpus.__file__).resolve()
    in_site_packages = "site-packages" in location.parts
    assert in_site_packages == (expected == "wheel"), location


def test_version_is_known():
    assert denialbench.__version__ != "0.0.0+unknown"
