"""Verified submissions: tampering is refused; LEADERBOARD.md is what render writes."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from denialbench import InputError, VerificationFailed
from denialbench.eval import evaluate, leaderboard

TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))
META = {
    "name": "Tester",
    "authors": "A. Person",
    "url": "https://example.org/paper",
    "parameters": 10,
    "extra_training_data": False,
    "test_unseen": True,
    "date": "2026-11-27",
}


@pytest.fixture(scope="module")
def result_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("lb") / "results.json"
    evaluate(TRAINED / "claim_only.pkl", n_bootstrap=200, seed=3).save(path)
    return path


def test_gold_leaderboard_equals_render(repo):
    board = repo / "LEADERBOARD.md"
    if not board.exists():
        pytest.skip("needs a checkout")
    assert board.read_text("utf-8") == leaderboard.render(repo / "leaderboard")


def test_stored_entries_verify(repo):
    if not (repo / "leaderboard").exists():
        pytest.skip("needs a checkout")
    assert leaderboard.check(repo / "leaderboard", repo / "LEADERBOARD.md") >= 5


def test_round_trip_add_render_check(tmp_path, result_file):
    board = tmp_path / "board"
    path = leaderboard.add(result_file, META, board)
    assert (path.name == "tester.json" and path.parent.name == "1.0.0") or path.exists()
    (tmp_path / "LB.md").write_text(leaderboard.render(board), encoding="utf-8")
    assert leaderboard.check(board, tmp_path / "LB.md") == 1
    text = (tmp_path / "LB.md").read_text()
    assert "| 1 | Tester |" in text and "How to submit" in text


def _tampered(result_file: Path, tmp_path: Path, edit) -> Path:
    content = json.loads(result_file.read_text())
    edit(content)
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(content))
    return path


def _edit_score(c):
    c["metrics"]["macro_f1_score"]["value"] += 0.01


def _edit_prediction(c):
    p = c["predictions"][0]
    p["label"] = "deny" if p["label"] != "deny" else "confirm"


def _edit_hash(c):
    c["data"]["sha256"] = "0" * 64


def _drop_id(c):
    c["predictions"].pop(5)


def _edit_slice(c):
    c["slices"]["domain"]["politics"]["n"] += 1


@pytest.mark.parametrize("edit", [_edit_score, _edit_prediction, _edit_hash, _drop_id, _edit_slice])
def test_tampered_entries_are_refused(tmp_path, result_file, edit):
    path = _tampered(result_file, tmp_path, edit)
    with pytest.raises(VerificationFailed):
        leaderboard.add(path, META, tmp_path / "board")
    assert not (tmp_path / "board").exists() or not list((tmp_path / "board").rglob("*.json"))


def test_duplicates_and_missing_fields_are_refused(tmp_path, result_file):
    board = tmp_path / "board"
    leaderboard.add(result_file, META, board)
    with pytest.raises(InputError, match="duplicate submission"):
        leaderboard.add(result_file, dict(META, name="Other name"), board)
    with pytest.raises(InputError, match="missing authors"):
        leaderboard.add(result_file, dict(META, name="X", authors=None), tmp_path / "b2")
    with pytest.raises(InputError, match="test-unseen"):
        leaderboard.add(result_file, dict(META, name="Y", test_unseen=False), tmp_path / "b3")


def test_check_fails_on_a_stale_board_or_an_edited_entry(tmp_path, repo):
    if not (repo / "leaderboard").exists():
        pytest.skip("needs a checkout")
    board = tmp_path / "leaderboard"
    shutil.copytree(repo / "leaderboard", board)
    md = tmp_path / "LB.md"
    md.write_text(leaderboard.render(board) + "\nhand edit\n")
    with pytest.raises(VerificationFailed, match="leaderboard check failed"):
        leaderboard.check(board, md)
    md.write_text(leaderboard.render(board))
    entry = next(board.rglob("*.json"))
    content = json.loads(entry.read_text())
    content["result"]["metrics"]["accuracy_score"]["value"] = 0.99
    entry.write_text(json.dumps(content))
    with pytest.raises(VerificationFailed) as info:
        leaderboard.check(board, md)
    assert any("accuracy_score" in p for p in info.value.problems)


def test_older_versions_get_their_own_table(tmp_path, result_file):
    board = tmp_path / "board"
    leaderboard.add(result_file, META, board)
    old = json.loads(next(board.rglob("*.json")).read_text())
    old["result"]["corpus_version"] = "0.9.0"
    (board / "0.9.0").mkdir()
    (board / "0.9.0" / "old.json").write_text(json.dumps(old))
    text = leaderboard.render(board)
    assert "## Current corpus: version" in text and "## Older corpus: version 0.9.0" in text
    assert text.index("Current corpus") < text.index("Older corpus")


def test_cli_add_and_check(cli, tmp_path, result_file):
    board = tmp_path / "board"
    added = cli(
        "leaderboard",
        "add",
        result_file,
        "--name",
        "CLI model",
        "--authors",
        "Me",
        "--url",
        "https://example.org",
        "--no-extra-data",
        "--test-unseen",
        "--board-dir",
        board,
        "--date",
        "2026-11-27",
    )
    assert added.exit_code == 0, added.output
    assert (
        cli("leaderboard", "render", "--board-dir", board, "--out", tmp_path / "LB.md").exit_code
        == 0
    )
    ok = cli("leaderboard", "check", "--board-dir", board, "--board", tmp_path / "LB.md")
    assert ok.exit_code == 0, ok.output
    (tmp_path / "LB.md").write_text("stale\n")
    assert (
        cli("leaderboard", "check", "--board-dir", board, "--board", tmp_path / "LB.md").exit_code
        == 1
    )


def test_a_new_metric_or_slice_leaves_stored_entries_valid(repo, monkeypatch):
    """Figures recompute from the stored predictions; a new metric or slice breaks no entry."""
    from denialbench.corpus import CORPUS_VERSION
    from denialbench.eval import CONFUSION_METRICS
    from denialbench.eval._metrics import Metric, per_label_scores

    entries = [
        (path, entry)
        for path, entry in leaderboard.load_entries(repo / "leaderboard")
        if entry["result"]["corpus_version"] == CORPUS_VERSION
    ]
    if not entries:
        pytest.skip("needs a checkout with entries of the current corpus version")
    path, entry = entries[0]

    def mean_recall(cm):
        return per_label_scores(cm)["recall"].mean(axis=-1)

    extra = Metric("mean_recall_score", mean_recall, True, "Mean recall over the labels")
    monkeypatch.setitem(CONFUSION_METRICS, extra.name, extra)
    monkeypatch.setattr("denialbench.eval._data.SLICE_FIELDS", ("domain", "style", "speaker"))
    leaderboard.verify_entry(entry["result"], str(path))
    edited = json.loads(json.dumps(entry["result"]))
    edited["metrics"]["macro_f1_score"]["value"] += 0.01
    with pytest.raises(VerificationFailed, match="macro_f1_score"):
        leaderboard.verify_entry(edited, str(path))


def test_the_same_model_on_a_new_corpus_version_is_no_duplicate(tmp_path, result_file):
    board = tmp_path / "board"
    leaderboard.add(result_file, META, board)
    stored = next(board.rglob("*.json"))
    old = json.loads(stored.read_text())
    old["result"]["corpus_version"] = "0.9.0"
    (board / "0.9.0").mkdir()
    (board / "0.9.0" / "tester.json").write_text(json.dumps(old))
    stored.unlink()
    leaderboard.add(result_file, META, board)  # same predictions, current version
    with pytest.raises(InputError, match="duplicate submission"):
        leaderboard.add(result_file, {**META, "name": "Tester again"}, board)
