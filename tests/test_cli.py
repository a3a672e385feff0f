"""The CLI shell: help, exit codes, no tracebacks, `python -m denialbench`."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

TRAINED = Path(str(resources.files("denialbench.baselines") / "trained"))


def test_help_lists_the_commands(cli):
    out = cli("--help")
    assert out.exit_code == 0
    for command in ("evaluate", "compare", "predict", "corpus", "baselines", "leaderboard", "docs"):
        assert command in out.output


@pytest.mark.parametrize("group", ["corpus", "baselines", "leaderboard"])
def test_groups_have_help(cli, group):
    out = cli(group, "--help")
    assert out.exit_code == 0


def test_evaluate_help_warns_about_pickles(cli):
    out = cli("evaluate", "--help")
    assert "can run code" in " ".join(out.output.split())


def test_python_dash_m():
    done = subprocess.run(
        [sys.executable, "-m", "denialbench", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "evaluate" in done.stdout


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from denialbench._cli import app; "
        "heavy = [m for m in ('pandas', 'sklearn', 'datasets', 'matplotlib', 'torch') "
        "if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_docs_are_current(cli, repo):
    if not (repo / "README.md").exists():
        pytest.skip("needs a checkout")
    out = cli("docs", "--check", "--repo-dir", repo)
    assert out.exit_code == 0, out.output


# ---------------------------------------------------------------- conventions


def _commands():
    """Every command path of the app, groups included: ("",), ("corpus",), ("corpus", "stats")..."""
    import typer

    from denialbench._cli import app

    def walk(command, path):
        yield path, command
        if hasattr(command, "list_commands"):  # a group (typer vendors its own click)
            ctx = typer.Context(command)
            for name in command.list_commands(ctx):
                yield from walk(command.get_command(ctx, name), (*path, name))

    return list(walk(typer.main.get_command(app), ()))


COMMANDS = _commands()


def _options(command):
    return [p for p in command.params if p.param_type_name == "option"]


COMMAND_IDS = [" ".join(path) or "denialbench" for path, _ in COMMANDS]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=COMMAND_IDS)
def test_every_command_has_dash_h_and_an_example_of_itself(cli, path, command):
    out = cli(*path, "-h")
    assert out.exit_code == 0, out.output
    assert out.output == cli(*path, "--help").output
    assert "Example" in out.output
    assert f"$ {' '.join(('denialbench', *path))}" in out.output


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=COMMAND_IDS)
def test_every_option_has_help(path, command):
    for param in _options(command):
        if param.name != "help":
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help text"


def test_folder_options_are_named_dir():
    assert len(COMMANDS) > 10
    for path, command in COMMANDS:
        for param in _options(command):
            if param.name == "help":
                continue
            name, text = param.opts[0], (param.help or "").lower()
            assert ("folder" in text) == name.endswith("-dir"), f"{' '.join(path)} {name}"
            assert name not in ("--root", "--folder", "--board-dir", "--report")


def test_version(cli):
    from importlib.metadata import version

    out = cli("--version")
    assert out.exit_code == 0
    assert out.output.strip() == f"denialbench {version('denialbench')}"


@pytest.mark.parametrize(
    ("path", "options"),
    [
        (("predict",), ["--input"]),
        (("leaderboard", "add"), ["--name", "--authors", "--url", "--extra-data"]),
    ],
)
def test_required_options_are_marked_and_enforced(cli, path, options):
    params = {p.opts[0]: p for p in _options(dict(COMMANDS)[path])}
    for option in options:
        assert params[option].required, option
    missing = cli(*path, "x.json")
    assert missing.exit_code == 2 and "Missing option" in missing.output
    help_text = cli(*path, "-h").output
    assert help_text.count("[required]") >= len(options)


def test_renamed_folder_options_still_work_with_a_note(cli, tmp_path):
    out = cli("docs", "--check", "--root", tmp_path)
    assert out.exit_code == 2
    assert "--root is deprecated; use --repo-dir" in out.output
    assert "README.md: missing" in out.output
    board = tmp_path / "LB.md"
    rendered = cli("leaderboard", "render", "--board-dir", tmp_path / "entries", "--out", board)
    assert rendered.exit_code == 0, rendered.output
    assert "--board-dir is deprecated; use --leaderboard-dir" in rendered.output


def test_label_ids_in_help_and_readme_match_the_labels(cli, repo):
    from denialbench._cli import LABEL_IDS_HELP
    from denialbench.corpus import LABELS

    assert ", ".join(f"{i}={name}" for i, name in enumerate(LABELS)) == LABEL_IDS_HELP
    assert LABEL_IDS_HELP in " ".join(cli("evaluate", "-h").output.split())
    if (repo / "README.md").exists():
        assert LABEL_IDS_HELP in " ".join((repo / "README.md").read_text().split())


# ---------------------------------------------------------------- literal output


def _validation_ids():
    from denialbench.corpus import load

    return load(as_pandas=True, splits=("validation",))["validation"]["id"].tolist()


def _predictions(path, label, ids=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"id": i, "label": label} for i in ids or _validation_ids()]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("label", ["[/x]", "[bold]deny", "[red]x[/red]"])
def test_labels_from_files_are_printed_as_written(cli, tmp_path, label):
    path = _predictions(tmp_path / "p.jsonl", label)
    out = cli("evaluate", path, "--split", "validation")
    assert out.exit_code == 2
    assert f"label {label!r} is not one of" in out.output
    assert "Traceback" not in out.output and "MarkupError" not in out.output


def test_paths_with_brackets_are_printed_as_written(cli, tmp_path):
    path = _predictions(tmp_path / "exp[v2]" / "preds.jsonl", "maybe")
    out = cli("evaluate", path, "--split", "validation")
    assert out.exit_code == 2 and "exp[v2]/preds.jsonl:1:" in out.output


def test_control_sequences_from_files_never_reach_the_terminal(cli, tmp_path):
    label = "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07\x1b[8mhidden\x9b0m"
    out = cli("evaluate", _predictions(tmp_path / "p.jsonl", label), "--split", "validation")
    assert out.exit_code == 2
    assert not any(ch in out.output for ch in "\x1b\x07\x9b")
    # a refused global's name is shown with its control characters escaped
    path = tmp_path / "m.pkl"
    path.write_bytes(b"cos\nevil\x1b]8;;http://x\x07click\x1b[8mhidden\n(tR.")
    out = cli("evaluate", path)
    assert out.exit_code == 2 and "os.evil\\x1b]8;;http://x\\x07click" in out.output
    assert not any(ch in out.output for ch in "\x1b\x07")


def test_refused_pickle_global_is_printed_as_written(cli, tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(b"cos\nevil[/x]\n(tR.")
    out = cli("evaluate", path)
    assert out.exit_code == 2
    assert "os.evil[/x]" in out.output and "Traceback" not in out.output


def test_baseline_descriptions_are_printed_as_written(cli):
    out = cli("baselines", "list")
    assert out.exit_code == 0 and "[u, v, |u-v|, u*v]" in out.output


def test_json_output_escapes_c1_controls(cli, tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"id": "a\x9b8m", "claim": "c", "response": "r"}) + "\n")
    out = cli("predict", TRAINED / "majority.skops", "--input", pairs)
    assert out.exit_code == 0, out.output
    assert "\x9b" not in out.output and json.loads(out.output)["id"] == "a\x9b8m"


# ---------------------------------------------------------------- user errors exit 2


def test_docs_check_without_mlcroissant_says_what_to_install(cli, repo, monkeypatch):
    if not (repo / "README.md").exists():
        pytest.skip("needs a checkout")
    monkeypatch.setitem(sys.modules, "mlcroissant", None)  # import now raises ImportError
    out = cli("docs", "--check", "--repo-dir", repo)
    assert out.exit_code == 2, out.output
    assert "pip install 'denialbench[test]'" in out.output


def test_trust_pickle_with_a_missing_module_says_how_to_fix(cli, tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(b"cno_such_module_fc\nModel\n)\x81.")
    out = cli("evaluate", path, "--trust-pickle")
    assert out.exit_code == 2
    text = " ".join(out.output.split())
    assert "module 'no_such_module_fc'" in text and "PYTHONPATH" in text
    assert "Traceback" not in out.output


@pytest.mark.parametrize("command", ["evaluate", "predict"])
@pytest.mark.parametrize("name", ["model.pkl", "model.skops", "preds"])
def test_a_folder_that_is_no_checkpoint_is_refused(cli, tmp_path, command, name):
    # a folder is read as a Hugging Face checkpoint (tests/eval/test_hf_folder.py)
    folder = tmp_path / name
    folder.mkdir()
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("claim,response\nc,r\n")
    args = ["--input", pairs] if command == "predict" else []
    out = cli(command, folder, *args)
    assert out.exit_code == 2, out.output
    assert f"{folder}: no config.json" in out.output


def test_output_paths_are_checked_before_scoring(cli, tmp_path):
    model = TRAINED / "majority.pkl"
    existing = tmp_path / "report.md"
    existing.write_text("")
    out = cli("evaluate", model, "--split", "validation", "--report-dir", existing)
    assert out.exit_code == 2
    assert "--report-dir" in out.output and "is a file" in out.output
    assert "macro_f1_score" not in out.output  # nothing was scored or printed
    folder = cli("evaluate", model, "--split", "validation", "--out", tmp_path)
    assert folder.exit_code == 2 and "is a folder" in folder.output
    suffix = cli("evaluate", model, "--split", "validation", "--out", tmp_path / "r.txt")
    assert suffix.exit_code == 2 and ".json" in suffix.output


def test_a_deeply_nested_predictions_line_is_refused(cli, tmp_path):
    path = tmp_path / "deep.jsonl"
    depth = 100_000
    path.write_text('{"id": "a", "label": ' + "[" * depth + "]" * depth + "}\n")
    out = cli("evaluate", path, "--split", "validation")
    assert out.exit_code == 2 and "deep.jsonl:1:" in out.output


# ---------------------------------------------------------------- predict


def test_predict_refuses_unknown_output_formats_before_work(cli, tmp_path):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("claim,response\nc,r\n")
    for name in ("x.txt", "x.tsv", "x"):
        out = cli("predict", TRAINED / "majority.skops", "--input", pairs, "--out", tmp_path / name)
        assert out.exit_code == 2 and "unknown output format" in out.output
        assert not (tmp_path / name).exists()


def test_predict_given_a_predictions_file_points_to_evaluate(cli, tmp_path):
    preds = _predictions(tmp_path / "p.csv", "deny", ids=["a"])
    out = cli("predict", preds, "--input", preds)
    assert out.exit_code == 2
    assert "needs a model file" in out.output and "denialbench evaluate" in out.output
    assert "unknown" not in out.output


def _double(x):
    return x


def test_predict_takes_trust_type_like_evaluate(cli, tmp_path):
    import skops.io as sio
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from denialbench.baselines import make_majority
    from denialbench.corpus import load

    train = load(as_pandas=True, splits=("train",))["train"]
    model = make_pipeline(FunctionTransformer(_double), make_majority())
    model.fit(train[["id", "claim", "response"]], train["label"])
    path = tmp_path / "m.skops"
    sio.dump(model, path)
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("claim,response\nc,r\n")
    refused = cli("predict", path, "--input", pairs)
    assert refused.exit_code == 2 and "--trust-type" in refused.output
    args = []
    for name in sio.get_untrusted_types(file=path):
        args += ["--trust-type", name]
    trusted = cli("predict", path, "--input", pairs, *args)
    assert trusted.exit_code == 0, trusted.output


# ---------------------------------------------------------------- warnings


def test_labels_contradicting_probabilities_are_warned_about(cli, tmp_path):
    ids = _validation_ids()
    path = tmp_path / "p.csv"
    path.write_text(
        "id,label,p_deny,p_confirm,p_evade,p_unrelated\n"
        + "".join(f"{i},confirm,0.7,0.1,0.1,0.1\n" for i in ids)
    )
    out = cli("evaluate", path, "--split", "validation", "--bootstrap", "10")
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "warning:" in text and "100%" in text and repr(ids[0]) in text


def test_install_hint_keeps_its_extra(cli, tmp_path, monkeypatch):
    from denialbench.baselines import _embedding

    monkeypatch.setattr(_embedding, "embeddings_available", lambda: False)
    _embedding._encoder.cache_clear()
    out = cli("baselines", "train", "pair_embedding", "--out-dir", tmp_path)
    _embedding._encoder.cache_clear()  # the next caller loads the real encoder again
    assert out.exit_code == 2, out.output
    assert "pip install 'denialbench[embeddings]'" in out.output
