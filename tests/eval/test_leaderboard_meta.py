"""Submission metadata: a missing field names the `leaderboard add` flag that gives it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from denialbench import InputError
from denialbench.eval._submission import check_meta as _check_meta

META = {"name": "m", "authors": "a", "url": "https://example.org", "test_unseen": True}


def _flags() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "denialbench", "leaderboard", "add", "-h"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_missing_extra_data_names_flags_that_exist():
    with pytest.raises(InputError) as info:
        _check_meta({**META, "extra_training_data": None})
    message = str(info.value)
    assert "--extra-training-data" not in message
    assert "--extra-data or --no-extra-data" in message
    help_text = _flags()
    assert "--extra-data" in help_text and "--no-extra-data" in help_text
