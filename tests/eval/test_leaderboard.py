"""Verified submissions: tampering is refused; LEADERBOARD.md is what render writes."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from denialbench import InputError, VerificationFailed
from denialbench.corpus import CORPUS_VERSION
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
    assert leaderboard.check(repo / "leaderboard", repo / "LEADERBOARD.md").n_entries >= 5


def test_round_trip_add_render_check(tmp_path, result_file):
    board = tmp_path / "board"
    path = leaderboard.add(result_file, META, board)
    assert (path.name == "tester.json" and path.parent.name == "1.0.0") or path.exists()
    (tmp_path / "LB.md").write_text(leaderboard.render(board), encoding="utf-8")
    assert leaderboard.check(board, tmp_path / "LB.md").n_entries == 1
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


@pytest.mark.slow  # whole-corpus scoring: seconds each; CI runs it in `pytest -m slow`
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
    # an entry of the current version: `check` verifies those (older tables are history)
    entry = next((board / CORPUS_VERSION).glob("*.json"))
    content = json.loads(entry.read_text())
    leaderboard.entry_results(content)["test"]["metrics"]["accuracy_score"]["value"] = 0.99
    entry.write_text(json.dumps(content))
    with pytest.raises(VerificationFailed) as info:
        leaderboard.check(board, md)
    assert any("accuracy_score" in p for p in info.value.problems)


def test_older_versions_get_their_own_table(tmp_path, result_file):
    board = tmp_path / "board"
    leaderboard.add(result_file, META, board)
    old = json.loads(next(board.rglob("*.json")).read_text())
    old["results"]["test"]["corpus_version"] = "0.9.0"
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


# ---------------------------------------------------------------- registry growth


def _deny_recall_score(cm):
    from denialbench.eval._metrics import DENY, _safe_div

    return _safe_div(cm[..., DENY, DENY], cm[..., DENY, :].sum(axis=-1))


def _grow_registries(monkeypatch):
    """A metric and a slice added after the entries were made."""
    from denialbench.eval._data import SLICES, SliceSpec
    from denialbench.eval._metrics import CONFUSION_METRICS, Metric

    monkeypatch.setitem(
        CONFUSION_METRICS,
        "deny_recall_score",
        Metric("deny_recall_score", _deny_recall_score, True, "Recall of deny"),
    )

    def length(records):
        return ["long" if len(r["response"]) > 120 else "short" for r in records]

    monkeypatch.setitem(
        SLICES, "response_length", SliceSpec("response_length", length, lambda t, g: None, "")
    )


@pytest.fixture
def small_board(tmp_path, result_file):
    board = tmp_path / "board"
    leaderboard.add(result_file, META, board)
    md = tmp_path / "LB.md"
    md.write_text(leaderboard.render(board), encoding="utf-8")
    return board, md


def test_old_entries_still_verify_when_a_metric_and_a_slice_are_added(monkeypatch, small_board):
    board, md = small_board
    entry_path = next(board.rglob("*.json"))
    before = entry_path.read_bytes()
    _grow_registries(monkeypatch)
    found = leaderboard.check(board, md)
    assert found.n_entries == 1 and len(found.stale) == 1
    assert "metrics/deny_recall_score added" in found.stale[0]
    assert "slices/response_length added" in found.stale[0]
    assert "leaderboard rescore" in found.stale[0]

    assert leaderboard.rescore(board) == [entry_path]
    result = leaderboard.board_result(json.loads(entry_path.read_text()))
    assert "deny_recall_score" in result["metrics"]
    assert set(result["slices"]["response_length"]) == {"long", "short"}
    assert leaderboard.check(board, md).stale == []
    rescored = entry_path.read_bytes()
    assert rescored != before
    assert leaderboard.rescore(board) == [] and entry_path.read_bytes() == rescored


def test_a_tampered_prediction_is_still_refused_after_registry_growth(monkeypatch, small_board):
    board, md = small_board
    entry_path = next(board.rglob("*.json"))
    entry = json.loads(entry_path.read_text())
    _edit_prediction(leaderboard.board_result(entry))
    entry_path.write_text(json.dumps(entry))
    tampered = entry_path.read_bytes()
    _grow_registries(monkeypatch)
    with pytest.raises(VerificationFailed) as info:
        leaderboard.check(board, md)
    assert any("does not match what its predictions give" in p for p in info.value.problems)
    with pytest.raises(VerificationFailed, match="nothing was rewritten"):
        leaderboard.rescore(board)
    assert entry_path.read_bytes() == tampered


def test_a_version_1_entry_is_stale_and_rescore_upgrades_it(small_board):
    board, md = small_board
    entry_path = next(board.rglob("*.json"))
    current = entry_path.read_bytes()
    entry = json.loads(current)
    result = entry["results"]["test"]
    result["schema_version"] = 1
    for name, figures in result["slices"]["subtype"].items():  # version 1 slice figures
        figures.pop("gold_label", None)
        figures["deny_f1_score"] = {"value": 0.0, "ci_low": 0.0, "ci_high": 0.0}
        assert name
    entry_path.write_text(json.dumps({"submission": entry["submission"], "result": result}))
    found = leaderboard.check(board, md)
    assert "stale: entry_version 1 (now 2); schema_version 1" in found.stale[0]
    assert "deny_f1_score no longer computed" in found.stale[0]
    leaderboard.rescore(board)
    assert entry_path.read_bytes() == current


# ---------------------------------------------------------------- submission metadata


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "not a url", "http\\(s\\) URL with a host"),
        ("url", "https://", "http\\(s\\) URL with a host"),
        ("url", "ftp://example.org/x", "http\\(s\\) URL with a host"),
        ("url", "https://example.org/a|b", "holds"),
        ("date", "2026-13-45", "date that exists"),
        ("date", "27/11/2026", "date that exists"),
        ("date", "2999-01-01", "not be in the future"),
        ("name", "two\nlines", "one line"),
        ("name", "x" * 81, "at most 80"),
        ("parameters", -3, "count >= 0"),
    ],
)
def test_bad_metadata_is_refused(tmp_path, result_file, field, value, message):
    with pytest.raises(InputError, match=message):
        leaderboard.add(result_file, dict(META, **{field: value}), tmp_path / "board")
    assert not (tmp_path / "board").exists()


def test_names_are_escaped_in_the_markdown_table(tmp_path, result_file):
    board = tmp_path / "board"
    leaderboard.add(result_file, dict(META, name="Pipe | Model <b>x</b> `y`"), board)
    row = next(line for line in leaderboard.render(board).splitlines() if "Pipe" in line)
    assert "Pipe \\| Model &lt;b&gt;x&lt;/b&gt; \\`y\\`" in row
    assert "<b>" not in row
    # an unescaped "|" would add a cell: the row keeps the header's ten cells
    assert len(row.replace("\\|", "").split("|")) == 12


def _baseline_result(tmp_path: Path, name: str = "claim_only") -> Path:
    path = tmp_path / f"{name}.json"
    evaluate(TRAINED / f"{name}.pkl", n_bootstrap=50).save(path)
    return path


BASELINE = dict(META, name="claim_only", url="baselines/trained/claim_only.md", baseline=True)


@pytest.mark.slow  # whole-corpus scoring: seconds each; CI runs it in `pytest -m slow`
def test_a_shipped_baseline_can_be_marked_and_replaced(tmp_path):
    board = tmp_path / "board"
    result = _baseline_result(tmp_path)
    path = leaderboard.add(result, BASELINE, board)
    assert json.loads(path.read_text())["submission"]["baseline"] is True
    with pytest.raises(InputError, match="--replace"):
        leaderboard.add(result, BASELINE, board)
    assert leaderboard.add(result, BASELINE, board, replace=True) == path
    with pytest.raises(InputError, match="named after its model file: --name claim_only"):
        leaderboard.add(result, dict(BASELINE, name="Best model"), tmp_path / "other")
    with pytest.raises(InputError, match="keeps an entry's kind"):
        leaderboard.add(result, dict(META, name="claim_only"), board, replace=True)


def test_baseline_mark_needs_a_shipped_model_and_its_own_predictions(tmp_path, result_file):
    from denialbench.eval._verification import RECOMPUTED, recompute

    with pytest.raises(InputError, match="not a model file shipped"):
        # a predictions file is not a shipped model, whatever its numbers
        content = json.loads(result_file.read_text())
        content["model"] = {"kind": "predictions", "sha256": "0" * 64, "path": "mine.jsonl"}
        (tmp_path / "p.json").write_text(json.dumps(content))
        leaderboard.add(tmp_path / "p.json", BASELINE, tmp_path / "board")
    with pytest.raises(InputError, match="http\\(s\\) URL"):
        # the model-card path is a valid url for a baseline only
        leaderboard.add(result_file, dict(BASELINE, baseline=False), tmp_path / "board")

    # consistent figures, the shipped model's hash, but one prediction changed
    content = json.loads(_baseline_result(tmp_path).read_text())
    _edit_prediction(content)
    content.update(recompute(content, "edited", "test"))
    assert set(RECOMPUTED) <= set(content)
    (tmp_path / "edited.json").write_text(json.dumps(content))
    with pytest.raises(InputError, match=r"re-running baselines/trained/claim_only\.pkl"):
        leaderboard.add(tmp_path / "edited.json", BASELINE, tmp_path / "board")
    assert not (tmp_path / "board").exists()


def test_check_refuses_a_baseline_entry_whose_model_is_not_shipped(tmp_path, repo):
    if not (repo / "leaderboard").exists():
        pytest.skip("needs a checkout")
    board = tmp_path / "leaderboard"
    shutil.copytree(repo / "leaderboard", board)
    md = tmp_path / "LB.md"
    md.write_text(leaderboard.render(board))
    # an entry of the current version: older versions' entries are kept, not re-verified
    entry_path = next((board / CORPUS_VERSION).glob("*.json"))
    entry = json.loads(entry_path.read_text())
    for result in leaderboard.entry_results(entry).values():  # test and real_test alike
        result["model"]["sha256"] = "0" * 64
    entry_path.write_text(json.dumps(entry))
    with pytest.raises(VerificationFailed) as info:
        leaderboard.check(board, md)
    assert any("another SHA-256" in p for p in info.value.problems)


def test_refresh_script_touches_baseline_entries_only(repo):
    script = repo / "tools" / "refresh_baselines.py"
    if not script.exists():
        pytest.skip("needs a checkout")
    text = script.read_text()
    assert "rm -f" not in text and "unlink" not in text and "rmtree" not in text
    assert "replace=True" in text and '"baseline": True' in text


def test_cli_check_then_rescore(cli, monkeypatch, small_board):
    board, md = small_board
    _grow_registries(monkeypatch)
    out = cli("leaderboard", "check", "--board-dir", board, "--board", md)
    assert out.exit_code == 0, out.output
    assert "stale" in out.output and "leaderboard rescore" in out.output
    out = cli("leaderboard", "rescore", "--board-dir", board)
    assert out.exit_code == 0, out.output
    assert "1 entry rewritten" in out.output
    out = cli("leaderboard", "check", "--board-dir", board, "--board", md)
    assert out.exit_code == 0 and "stale:" not in out.output


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--url", "not a url", "http(s) URL with a host"), ("--date", "2026-13-45", "exists")],
)
def test_cli_add_refuses_bad_url_and_date(cli, tmp_path, result_file, option, value, message):
    args = dict(
        [
            ("--name", "CLI model"),
            ("--authors", "Me"),
            ("--url", "https://example.org"),
            ("--date", "2026-11-27"),
        ]
    )
    args[option] = value
    flat = [x for pair in args.items() for x in pair]
    out = cli(
        "leaderboard",
        "add",
        result_file,
        *flat,
        "--no-extra-data",
        "--test-unseen",
        "--board-dir",
        tmp_path / "board",
    )
    assert out.exit_code == 2, out.output
    assert message in " ".join(out.output.split())
    assert not (tmp_path / "board").exists()


def test_the_current_table_ends_with_the_model_annotators(tmp_path, result_file, monkeypatch):
    from denialbench.corpus import _blind_labels

    agreement = {
        "splits": {"test": {"items": 9, "ambiguous": 1, "fleiss_kappa": 0.9}},
        "annotators": [
            {"annotator": "a", "test": {"items": 9, "macro_f1": 0.9, "accuracy": 0.9}},
            {"annotator": "b", "test": {"items": 9, "macro_f1": 0.8, "accuracy": 0.8}},
        ],
    }
    monkeypatch.setattr(_blind_labels, "bundled_agreement", lambda: agreement)
    board = tmp_path / "board"
    leaderboard.add(result_file, META, board)
    text = leaderboard.render(board)
    row = next(line for line in text.splitlines() if line.startswith("| ref |"))
    assert "Model annotators (reference, not a submission)" in row
    assert "2 blind language-model annotator instances" in row
    assert "0.850 (mean; range 0.800-0.900)" in row
    assert "Fleiss' kappa 0.900 over 9 test items" in text
    monkeypatch.setattr(_blind_labels, "bundled_agreement", lambda: None)
    assert "| ref |" not in leaderboard.render(board)
