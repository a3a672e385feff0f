"""The real_test board split: stored beside test, same model only, verified like test."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest
from real_fixtures import make_real_root

from denialbench import InputError, VerificationFailed
from denialbench.corpus import CORPUS_VERSION, _loading
from denialbench.corpus._real_build import build_real
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
def real_results(tmp_path_factory):
    """Results of two models on test and on a fixture real_test, as the bundled data."""
    tmp = tmp_path_factory.mktemp("real_board")
    root = make_real_root(tmp)
    (root / "sources" / "real" / "splits.json").write_text(
        json.dumps({"real_test": 1.0, "real_validation": 0.0, "real_train": 0.0})
    )
    build_real(root)
    bundled = _loading.data_dir()
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl", "checksums.json"):
        shutil.copy(bundled / name, root / "data" / name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_loading, "data_dir", lambda: root / "data")
        files = {}
        for model in ("claim_only", "response_only"):
            for split in ("test", "real_test"):
                path = tmp / f"{model}-{split}.json"
                evaluate(TRAINED / f"{model}.pkl", split, n_bootstrap=50, seed=1).save(path)
                files[model, split] = path
    return root / "data", files


@pytest.fixture
def real_board(real_results, monkeypatch):
    data, files = real_results
    monkeypatch.setattr(_loading, "data_dir", lambda: data)
    return files


def test_add_render_check_with_a_real_test_result(tmp_path, real_board):
    board = tmp_path / "board"
    path = leaderboard.add(
        real_board["claim_only", "test"],
        META,
        board,
        real_test=real_board["claim_only", "real_test"],
    )
    entry = json.loads(path.read_text("utf-8"))
    assert set(entry["results"]) == {"test", "real_test"}
    # an entry without real_test stays valid beside it
    leaderboard.add(real_board["response_only", "test"], dict(META, name="Other"), board)
    text = leaderboard.render(board)
    (tmp_path / "LB.md").write_text(text, encoding="utf-8")
    assert leaderboard.check(board, tmp_path / "LB.md").n_entries == 2
    real = entry["results"]["real_test"]
    macro = real["metrics"]["macro_f1_score"]
    cell = f"{macro['value']:.3f} [{macro['ci_low']:.3f}, {macro['ci_high']:.3f}]"
    tester = next(line for line in text.splitlines() if "| Tester |" in line)
    other = next(line for line in text.splitlines() if "| Other |" in line)
    assert f"| {cell} |" in tester and "| - | 2026-11-27 |" in other
    assert "real_test macro-F1 [95% CI]" in text
    # the figure is the headline one: the fixture's ambiguous item is left out
    assert real["data"]["n_headline_items"] == real["data"]["n_items"] - 1


def test_results_of_two_models_are_refused(tmp_path, real_board):
    with pytest.raises(InputError, match="real_test result comes from another model"):
        leaderboard.add(
            real_board["claim_only", "test"],
            META,
            tmp_path / "board",
            real_test=real_board["response_only", "real_test"],
        )
    assert not (tmp_path / "board").exists()


def test_a_result_on_the_wrong_split_is_refused(tmp_path, real_board):
    with pytest.raises(VerificationFailed, match="expected a result on the real_test split"):
        leaderboard.add(
            real_board["claim_only", "test"],
            META,
            tmp_path / "board",
            real_test=real_board["claim_only", "test"],
        )


def test_a_tampered_real_test_prediction_is_refused(tmp_path, real_board):
    content = json.loads(real_board["claim_only", "real_test"].read_text("utf-8"))
    first = content["predictions"][0]
    first["label"] = "deny" if first["label"] != "deny" else "confirm"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(VerificationFailed, match=r"\[real_test\]"):
        leaderboard.add(
            real_board["claim_only", "test"], META, tmp_path / "board", real_test=tampered
        )


def test_check_refuses_an_entry_whose_stored_real_test_was_edited(tmp_path, real_board):
    board = tmp_path / "board"
    path = leaderboard.add(
        real_board["claim_only", "test"],
        META,
        board,
        real_test=real_board["claim_only", "real_test"],
    )
    entry = json.loads(path.read_text("utf-8"))
    entry["results"]["real_test"]["metrics"]["macro_f1_score"]["value"] += 0.01
    path.write_text(json.dumps(entry), encoding="utf-8")
    (tmp_path / "LB.md").write_text(leaderboard.render(board), encoding="utf-8")
    with pytest.raises(VerificationFailed) as found:
        leaderboard.check(board, tmp_path / "LB.md")
    assert any("[real_test]: metrics/macro_f1_score" in p for p in found.value.problems)


def test_cli_add_takes_real_test(cli, tmp_path, real_board):
    board = tmp_path / "board"
    common = ["--authors", "Me", "--url", "https://example.org", "--no-extra-data"]
    added = cli(
        "leaderboard",
        "add",
        real_board["claim_only", "test"],
        "--real-test",
        real_board["claim_only", "real_test"],
        "--name",
        "CLI model",
        *common,
        "--test-unseen",
        "--leaderboard-dir",
        board,
    )
    assert added.exit_code == 0, added.output
    refused = cli(
        "leaderboard",
        "add",
        real_board["claim_only", "test"],
        "--real-test",
        real_board["response_only", "real_test"],
        "--name",
        "Mixed",
        *common,
        "--test-unseen",
        "--leaderboard-dir",
        tmp_path / "b2",
    )
    assert refused.exit_code == 2 and "another model" in refused.output


def _refresh_script(repo: Path):
    import importlib.util

    path = repo / "tools" / "refresh_baselines.py"
    if not path.exists():
        pytest.skip("needs a checkout")
    spec = importlib.util.spec_from_file_location("refresh_baselines", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_refresh_without_retraining_adds_test_and_real_test(tmp_path, monkeypatch, repo):
    # the bundled real split: the board's entries were scored on it
    refresh = _refresh_script(repo)
    board = tmp_path / "leaderboard"
    shutil.copytree(repo / "leaderboard", board)
    trained_before = {p.name: p.read_bytes() for p in TRAINED.glob("*.pkl")}
    others = {p: p.read_bytes() for p in board.rglob("*.json") if p.name != "claim-only.json"}
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(refresh, "TRAINED", TRAINED)
    monkeypatch.setattr(refresh, "BOARD", board)
    monkeypatch.setattr(refresh, "update_docs", lambda root: [])
    monkeypatch.setattr(
        refresh, "train_baselines", lambda *a, **k: pytest.fail("--no-retrain retrained")
    )
    assert refresh.main(["claim_only", "--no-retrain", "--date", "2026-11-28"]) == 0
    # the current version's entry is the one replaced; older tables keep theirs
    entry = json.loads((board / CORPUS_VERSION / "claim-only.json").read_text("utf-8"))
    assert set(entry["results"]) == {"test", "real_test"}
    assert entry["submission"]["baseline"] is True and entry["submission"]["date"] == "2026-11-28"
    assert {p.name: p.read_bytes() for p in TRAINED.glob("*.pkl")} == trained_before
    # the other entries are only rescored, and they are current: unchanged bytes
    assert all(p.read_bytes() == text for p, text in others.items())
    assert "| 2026-11-28 |" in (tmp_path / "LEADERBOARD.md").read_text("utf-8")


def test_the_readme_baseline_table_shows_real_test(tmp_path, real_board):
    from denialbench._docs import baseline_table

    meta = dict(
        META,
        name="claim_only",
        url="baselines/trained/claim_only.md",
        baseline=True,
        parameters=None,
    )
    path = leaderboard.add(
        real_board["claim_only", "test"],
        meta,
        tmp_path / "leaderboard",
        real_test=real_board["claim_only", "real_test"],
    )
    real = json.loads(path.read_text("utf-8"))["results"]["real_test"]["metrics"]
    macro = real["macro_f1_score"]
    table = baseline_table(tmp_path)
    assert "| real_test macro-F1 [95% CI] |" in table.splitlines()[0]
    row = next(line for line in table.splitlines() if line.startswith("| claim_only |"))
    assert row.endswith(f"| {macro['value']:.3f} [{macro['ci_low']:.3f}, {macro['ci_high']:.3f}] |")


def test_rescore_brings_a_stale_real_test_result_up_to_date(tmp_path, real_board):
    board = tmp_path / "board"
    path = leaderboard.add(
        real_board["claim_only", "test"],
        META,
        board,
        real_test=real_board["claim_only", "real_test"],
    )
    current = path.read_text("utf-8")
    entry = json.loads(current)
    del entry["results"]["real_test"]["metrics"]["ece_loss"]  # as if added since
    path.write_text(json.dumps(entry), encoding="utf-8")
    (tmp_path / "LB.md").write_text(leaderboard.render(board), encoding="utf-8")
    found = leaderboard.check(board, tmp_path / "LB.md")
    assert any("real_test: metrics/ece_loss added" in s for s in found.stale)
    assert leaderboard.rescore(board) == [path]
    assert path.read_text("utf-8") == current
