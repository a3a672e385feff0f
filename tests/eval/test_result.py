"""Result files: what loading one refuses, and how it says so."""

from __future__ import annotations

import json

import pytest

from denialbench import InputError
from denialbench.eval import EvaluationResult


def test_a_leaderboard_entry_is_named_as_such(tmp_path):
    path = tmp_path / "entry.json"
    path.write_text(json.dumps({"submission": {"name": "x"}, "result": {}}))
    with pytest.raises(InputError, match=r"entry.json: this is a leaderboard entry") as info:
        EvaluationResult.load(path)
    assert "required property" not in str(info.value)


def test_cli_compare_with_an_entry_exits_2(cli, tmp_path):
    path = tmp_path / "entry.json"
    path.write_text(json.dumps({"submission": {"name": "x"}, "result": {}}))
    out = cli("compare", path, path)
    assert out.exit_code == 2 and "leaderboard entry" in out.output


def test_a_folder_is_named_as_a_folder(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        EvaluationResult.load(tmp_path)
