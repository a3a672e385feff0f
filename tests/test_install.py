"""The package installs as one namespace and carries its data."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tomllib
from importlib import resources
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
    assert (resources.files("denialbench") / "py.typed").is_file()  # PEP 561
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


def _pyproject(repo: Path) -> dict:
    path = repo / "pyproject.toml"
    if not path.exists():
        pytest.skip("needs a checkout")
    return tomllib.loads(path.read_text("utf-8"))


def test_every_package_data_pattern_matches_a_file(repo):
    tool = _pyproject(repo)["tool"]["setuptools"]
    for package, patterns in tool["package-data"].items():
        folder = repo / tool["package-dir"][package]
        for pattern in patterns:
            assert list(folder.glob(pattern)), f"{package}: {pattern!r} matches nothing in {folder}"


def test_package_dir_mapping_matches_the_layout(repo):
    tool = _pyproject(repo)["tool"]["setuptools"]
    assert sorted(tool["packages"]) == sorted(tool["package-dir"])
    for folder in tool["package-dir"].values():
        assert (repo / folder / "__init__.py").is_file(), folder
    # nothing at the checkout root may shadow the installed package
    assert not (repo / "denialbench").exists()


#: What a user types from the checkout root; each must work after `pip install .`
#: and after `pip install -e .`. The pytest run selects one test of
#: tests/test_cli.py, so it cannot reach this file again.
ROOT_COMMANDS = {
    "import": [
        "-c",
        "from denialbench.eval import evaluate; from denialbench.corpus import load; "
        "import denialbench; print(denialbench.__file__)",
    ],
    "pytest": [
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_cli.py::test_help_lists_the_commands",
    ],
    "cli": ["-m", "denialbench", "corpus", "stats"],
}


@pytest.mark.parametrize("name", list(ROOT_COMMANDS))
def test_commands_work_from_the_checkout_root(repo, name):
    _pyproject(repo)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, *ROOT_COMMANDS[name]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    if name == "import":
        location = Path(done.stdout.strip().splitlines()[-1]).resolve()
        assert location.parent != repo / "denialbench", location
    elif name == "pytest":
        assert "1 passed" in done.stdout
    else:
        assert "deny" in done.stdout
