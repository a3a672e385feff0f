"""The transfer table: task results verified with and without the user's copy."""

from __future__ import annotations

import json

import numpy as np
import pytest
from task_fixtures import write_fnc1, write_rumoureval

from denialbench._errors import InputError, VerificationFailed
from denialbench.eval import evaluate_task
from denialbench.eval._transfer import (
    add_task_result,
    check_transfer,
    transfer_lines,
    verify_task_result,
)
from denialbench.eval.leaderboard import board_result


class FirstLetter:
    """A deterministic toy model: the label depends on the response's first letter."""

    def predict(self, frame):
        labels = np.array(["deny", "confirm", "evade", "unrelated"], dtype=object)
        return labels[[ord(r[0]) % 4 for r in frame["response"]]]


def _board(tmp_path, *names):
    board = tmp_path / "board"
    for name in names:
        slug = name.lower().replace(" ", "-")
        entry = {
            "submission": {"name": name},
            "result": {"metrics": {"macro_f1_score": {"value": 0.5}}},
        }
        (board / "1.0.0").mkdir(parents=True, exist_ok=True)
        (board / "1.0.0" / f"{slug}.json").write_text(json.dumps(entry))
    return board


def _result(tmp_path, task, folder, name="r.json"):
    path = tmp_path / name
    evaluate_task(FirstLetter(), task, folder, n_bootstrap=30).save(path)
    return path


@pytest.mark.parametrize(
    "task, writer", [("fnc1", write_fnc1), ("rumoureval2019", write_rumoureval)]
)
def test_a_result_verifies_with_and_without_the_files(tmp_path, task, writer):
    folder = writer(tmp_path / "copy")
    board = _board(tmp_path, "My model")
    stored = add_task_result(_result(tmp_path, task, folder), "My model", board)
    assert stored == board / "tasks" / "my-model" / f"{task}.json"
    (line,) = check_transfer(board)
    assert "hashes and consistency" in line
    (line,) = check_transfer(board, data_root=folder)
    assert "recomputed from the task's files" in line


def test_an_edited_score_is_caught(tmp_path):
    folder = write_fnc1(tmp_path / "copy")
    content = json.loads(_result(tmp_path, "fnc1", folder).read_text())
    content["task"]["scores"]["fnc1_relative_score"]["value"] += 0.01
    with pytest.raises(VerificationFailed, match="fnc1_relative_score"):
        verify_task_result(content, "edited")


def test_a_gold_label_that_is_not_the_mapping_is_caught(tmp_path):
    folder = write_fnc1(tmp_path / "copy")
    content = json.loads(_result(tmp_path, "fnc1", folder).read_text())
    content["predictions"][0]["native_gold"] = "agree"  # its gold says deny
    with pytest.raises(VerificationFailed, match="not the mapping"):
        verify_task_result(content, "edited")


def test_other_files_under_data_root_are_caught(tmp_path):
    folder = write_fnc1(tmp_path / "copy")
    content = json.loads(_result(tmp_path, "fnc1", folder).read_text())
    other = write_fnc1(tmp_path / "other")
    bodies = other / "competition_test_bodies.csv"
    bodies.write_bytes(bodies.read_bytes().replace(b"naturalist", b"biologist"))
    with pytest.raises(VerificationFailed, match="SHA-256"):
        verify_task_result(content, "result", data_root=other)


def test_entries_on_different_copies_are_not_comparable(tmp_path):
    board = _board(tmp_path, "A", "B")
    add_task_result(_result(tmp_path, "fnc1", write_fnc1(tmp_path / "one"), "a.json"), "A", board)
    other = write_fnc1(tmp_path / "two")
    stances = other / "competition_test_stances.csv"
    stances.write_bytes(stances.read_bytes() + b"Extra headline,7,disagree\r\n")
    add_task_result(_result(tmp_path, "fnc1", other, "b.json"), "B", board)
    with pytest.raises(VerificationFailed) as info:
        check_transfer(board)
    assert "different copies" in info.value.problems[0]


def test_a_task_result_needs_an_entry(tmp_path):
    board = _board(tmp_path, "A")
    with pytest.raises(InputError, match="no leaderboard entry named 'B'"):
        add_task_result(_result(tmp_path, "fnc1", write_fnc1(tmp_path / "c")), "B", board)


def test_the_table_has_a_row_per_entry_and_a_column_per_task(tmp_path):
    board = _board(tmp_path, "A", "B")
    assert transfer_lines(board, []) == []  # no task results: the board is unchanged
    add_task_result(_result(tmp_path, "fnc1", write_fnc1(tmp_path / "c")), "A", board)
    entries = [json.loads(p.read_text()) for p in sorted(board.glob("*/*.json"))]
    lines = transfer_lines(board, [(e["submission"], board_result(e)) for e in entries])
    assert "| model | test macro-F1 | fnc1 |" in lines
    assert sum(line.startswith("| A | 0.500 |") for line in lines) == 1
    assert not any(line.startswith("| B |") for line in lines)  # no task result yet
