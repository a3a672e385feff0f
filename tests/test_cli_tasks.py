"""`denialbench tasks` and `denialbench evaluate --task` through the CLI."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from task_fixtures import write_emergent, write_fnc1, write_rumoureval

MAJORITY = Path(str(resources.files("denialbench.baselines") / "trained" / "majority.skops"))


def test_tasks_lists_every_task_with_its_source(cli):
    result = cli("tasks", "--json")
    assert result.exit_code == 0, result.output
    listed = {t["name"]: t for t in json.loads(result.output)}
    assert {"denialbench:test", "fnc1", "emergent", "rumoureval2019", "pairs"} <= set(listed)
    assert listed["emergent"]["label_mapping"]["against"] == "deny"
    table = cli("tasks")
    assert table.exit_code == 0 and "rumoureval2019" in table.output


def test_evaluate_a_task_from_a_folder(cli, tmp_path):
    out = tmp_path / "r.json"
    result = cli(
        "evaluate",
        MAJORITY,
        "--task",
        "emergent",
        "--data",
        write_emergent(tmp_path / "em"),
        "--bootstrap",
        "10",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    saved = json.loads(out.read_text())
    assert saved["task"]["name"] == "emergent"
    assert saved["task"]["files"]["url-versions-2015-06-14-clean-test.csv"]


def test_missing_files_exit_2_naming_them(cli, tmp_path):
    result = cli("evaluate", MAJORITY, "--task", "fnc1", "--data", tmp_path)
    assert result.exit_code == 2
    assert "competition_test_stances.csv" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow  # whole-corpus scoring: seconds each; CI runs it in `pytest -m slow`
def test_task_all_runs_what_it_finds_and_names_what_it_skips(cli, tmp_path):
    root = tmp_path / "copies"
    write_fnc1(root / "fnc-1")
    write_rumoureval(root / "rumoureval2019")
    out = tmp_path / "results"
    result = cli(
        "evaluate",
        MAJORITY,
        "--task",
        "all",
        "--data-root",
        root,
        "--bootstrap",
        "10",
        "--out",
        out,
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    from denialbench.eval._task_run import _bundled_split_is_empty

    # denialbench:real_test is scored too once the real split has data
    real = set() if _bundled_split_is_empty("real_test") else {"denialbench:real_test"}
    assert set(report["results"]) == {"denialbench:test", "fnc1", "rumoureval2019", *real}
    assert "url-versions-2015-06-14-clean-test.csv" in report["skipped"]["emergent"]
    expected = ["denialbench-test.json", "fnc1.json", "rumoureval2019.json"]
    if real:
        expected.append("denialbench-real_test.json")
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--task", "emergent", "--map", "a=deny"), "--map and --columns apply to --task pairs"),
        (("--task", "nope"), "unknown task 'nope'"),
        (("--task", "fnc1", "--data-root", "."), "--data-dir goes with --task all"),
    ],
)
def test_option_misuse_exits_2(cli, args, message):
    result = cli("evaluate", MAJORITY, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_fnc1_folder_gives_native_score(cli, tmp_path):
    result = cli(
        "evaluate",
        MAJORITY,
        "--task",
        "fnc1",
        "--data",
        write_fnc1(tmp_path / "f"),
        "--bootstrap",
        "10",
        "--json",
    )
    assert result.exit_code == 0, result.output
    task = json.loads(result.output)["task"]
    assert task["native_score"] == "fnc1_relative_score"
    assert 0 <= task["scores"]["fnc1_relative_score"]["value"] <= 1


def test_task_all_refuses_a_predictions_file(cli, tmp_path):
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"id": "x", "label": "deny"}\n')
    result = cli("evaluate", preds, "--task", "all")
    assert result.exit_code == 2
    assert "with --task all give a model file" in result.output


def test_a_predictions_file_scores_one_task(cli, tmp_path):
    from denialbench.eval import load_task

    folder = write_emergent(tmp_path / "em")
    ids = load_task("emergent", folder).data.id_array().tolist()
    preds = tmp_path / "p.jsonl"
    preds.write_text("".join(json.dumps({"id": i, "label": "deny"}) + "\n" for i in ids))
    result = cli("evaluate", preds, "--task", "emergent", "--data", folder, "--json", "--binary")
    assert result.exit_code == 0, result.output
    task = json.loads(result.output)["task"]
    assert task["scores"]["deny_recall_score"]["value"] == 1.0
    assert task["main_score"] == "deny_f1_score"


@pytest.mark.slow  # whole-corpus scoring: seconds each; CI runs it in `pytest -m slow`
def test_leaderboard_add_task_check_and_render(cli, tmp_path):
    board, board_md = tmp_path / "board", tmp_path / "LEADERBOARD.md"
    test_result = tmp_path / "test.json"
    assert cli("evaluate", MAJORITY, "--bootstrap", "10", "--out", test_result).exit_code == 0
    added = cli(
        "leaderboard",
        "add",
        test_result,
        "--name",
        "Majority",
        "--authors",
        "A",
        "--url",
        "https://example.org/paper",
        "--no-extra-data",
        "--test-unseen",
        "--leaderboard-dir",
        board,
        "--date",
        "2026-01-01",
    )
    assert added.exit_code == 0, added.output
    folder = write_fnc1(tmp_path / "fnc")
    out = tmp_path / "fnc1.json"
    assert (
        cli(
            "evaluate",
            MAJORITY,
            "--task",
            "fnc1",
            "--data",
            folder,
            "--bootstrap",
            "10",
            "--out",
            out,
        ).exit_code
        == 0
    )
    added = cli("leaderboard", "add-task", out, "--name", "Majority", "--leaderboard-dir", board)
    assert added.exit_code == 0, added.output
    assert (
        cli("leaderboard", "render", "--leaderboard-dir", board, "--out", board_md).exit_code == 0
    )
    assert "| model | test macro-F1 | fnc1 |" in board_md.read_text()
    checked = cli(
        "leaderboard",
        "check",
        "--leaderboard-dir",
        board,
        "--board",
        board_md,
        "--data-root",
        folder,
    )
    assert checked.exit_code == 0, checked.output
    assert "majority / fnc1: recomputed from the task's files" in checked.output
    checked = cli("leaderboard", "check", "--leaderboard-dir", board, "--board", board_md)
    assert "majority / fnc1: hashes and consistency" in checked.output
    stored = board / "tasks" / "majority" / "fnc1.json"
    edited = json.loads(stored.read_text())
    edited["task"]["scores"]["macro_f1_score"]["value"] = 0.99
    stored.write_text(json.dumps(edited))
    checked = cli(
        "leaderboard",
        "check",
        "--leaderboard-dir",
        board,
        "--board",
        board_md,
        "--data-root",
        folder,
    )
    assert checked.exit_code == 1
    assert "does not match what its predictions give" in checked.output
