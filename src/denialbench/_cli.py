"""The `denialbench` command line: a thin typer layer over the library.

Heavy libraries (pandas, scikit-learn, datasets, matplotlib) are imported
inside the commands, never at module level, so `denialbench --help` is quick.
Exit codes: 0 success, 1 a check that failed, 2 bad input. A DenialBenchError
is printed as one message, never as a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from denialbench._errors import CheckFailed, DenialBenchError

app = typer.Typer(
    name="denialbench",
    help="DenialBench: a dataset and benchmark for denial detection.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # plain click help: rendering help through rich costs more than the
    # 0.3 s budget of `denialbench --help`; command output still uses rich
    rich_markup_mode=None,
)
corpus_app = typer.Typer(
    help="Inspect, check and build the corpus.", no_args_is_help=True, rich_markup_mode=None
)
baselines_app = typer.Typer(
    help="List and train the baseline models.", no_args_is_help=True, rich_markup_mode=None
)
leaderboard_app = typer.Typer(
    help="Verified submissions and LEADERBOARD.md.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(corpus_app, name="corpus")
app.add_typer(baselines_app, name="baselines")
app.add_typer(leaderboard_app, name="leaderboard")


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=False, width=120 if not sys.stdout.isatty() else None)


def _handles_errors(command):
    """Turn DenialBench errors into a message and the matching exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DenialBenchError as exc:
            err = _console(stderr=True)
            err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
            for problem in getattr(exc, "problems", [])[:200]:
                err.print(f"  - {problem}", markup=False, highlight=False)
            if isinstance(exc, CheckFailed) and len(exc.problems) > 200:
                err.print(f"  ... and {len(exc.problems) - 200} more", markup=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def _print_tables(tables: list[dict[str, Any]]) -> None:
    from denialbench._tables import print_tables

    print_tables(_console(), tables)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
MemoryLimit = Annotated[
    str,
    typer.Option(
        "--memory-limit", help="Address-space limit of the process that runs a model file."
    ),
]
CpuLimit = Annotated[
    float | None,
    typer.Option(
        "--cpu-limit",
        help="CPU seconds for the model process (default: 120 + 0.05 per item).",
    ),
]
Timeout = Annotated[
    float | None,
    typer.Option(
        "--timeout", help="Wall-clock seconds for the model process (default: 300 + 0.1 per item)."
    ),
]


def _limits(memory_limit: str, cpu_limit: float | None, timeout: float | None):
    from denialbench.eval import SandboxLimits

    return SandboxLimits(memory=memory_limit, cpu_seconds=cpu_limit, wall_seconds=timeout)


DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="A folder with train/validation/test.jsonl (default: bundled)."
    ),
]


# ---------------------------------------------------------------- corpus


@corpus_app.command("stats")
@_handles_errors
def corpus_stats(
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print Markdown tables.")] = False,
) -> None:
    """Print the label, subtype, domain, tag, length and cue tables."""
    from denialbench.corpus import stats, stats_markdown

    result = stats(data_dir)
    if as_json:
        _print_json(result)
    elif markdown:
        sys.stdout.write(stats_markdown(result))
    else:
        _print_tables(result["tables"])
        _console().print(
            f"Denial-cue lexicon ({len(result['lexicon'])} words): " + ", ".join(result["lexicon"]),
            markup=False,
            highlight=False,
        )


@corpus_app.command("validate")
@_handles_errors
def corpus_validate(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Check schema, ids, split leakage, near-duplicates, version and quotas."""
    from denialbench.corpus import validate

    report = validate(data_dir, raise_on_error=not as_json)
    if as_json:
        _print_json(report)
        raise typer.Exit(1 if report["problems"] else 0)
    m = report["measures"]
    _console().print(
        f"corpus OK: {m['items']} items (train {m['train_items']}, validation "
        f"{m['validation_items']}, test {m['test_items']}); deny without cue "
        f"{m['deny_no_cue_share']:.1%}, non-deny with cue {m['nondeny_cue_share']:.1%}, "
        f"contrast {m['contrast_share']:.1%}",
        highlight=False,
    )


@corpus_app.command("build")
@_handles_errors
def corpus_build(
    root: Annotated[Path, typer.Option(help="The corpus folder of a checkout.")] = Path("corpus"),
    seed: Annotated[int, typer.Option(help="Seed of the split assignment.")] = 13,
    allow_same_version: Annotated[
        bool,
        typer.Option(
            "--allow-same-version",
            help="Rewrite changed data under the same version (unreleased data only).",
        ),
    ] = False,
) -> None:
    """Rebuild corpus/data from corpus/sources (maintainers, from a checkout)."""
    from denialbench.corpus._build import build

    result = build(root, seed=seed, allow_same_version=allow_same_version)
    _print_json(result)


@app.command("docs")
@_handles_errors
def docs_command(
    root: Annotated[Path, typer.Option(help="The repository root.")] = Path("."),
    check: Annotated[
        bool, typer.Option("--check", help="Fail if a generated block is stale.")
    ] = False,
) -> None:
    """Regenerate the figures in README.md, corpus/README.md and baselines/README.md."""
    from denialbench._docs import update_docs

    stale = update_docs(root, check=check)
    verb = "are current" if check or not stale else "updated"
    _console().print(f"docs {verb}: {', '.join(stale) or 'nothing to change'}", highlight=False)


@corpus_app.command("agreement")
@_handles_errors
def corpus_agreement(
    folder: Annotated[Path | None, typer.Option(help="The agreement-study folder.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Recompute Cohen's kappa and per-label agreement of the agreement study."""
    from denialbench.corpus._agreement import agreement, agreement_tables

    result = agreement(folder)
    if as_json:
        _print_json(result)
    else:
        _print_tables(agreement_tables(result))


# ---------------------------------------------------------------- evaluate


@app.command("evaluate")
@_handles_errors
def evaluate_command(
    model: Annotated[
        Path,
        typer.Argument(
            help="A .skops or .pkl/.pickle/.joblib model, or a predictions .jsonl/.csv file. "
            "WARNING: loading a pickle can run code; pickles are read through an "
            "allowlist unless --trust-pickle is given."
        ),
    ],
    split: Annotated[str, typer.Option(help="test or validation.")] = "test",
    data: Annotated[
        Path | None, typer.Option(help="Evaluate on your own JSONL/CSV in the corpus schema.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the versioned results JSON here.")] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write report.md and plots to this folder.")
    ] = None,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the CIs.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    trust_pickle: Annotated[
        bool,
        typer.Option(
            "--trust-pickle", help="Load a pickle without the allowlist. Only for files you made."
        ),
    ] = False,
    trust_type: Annotated[
        list[str] | None,
        typer.Option("--trust-type", help="A type a .skops file may load (repeatable)."),
    ] = None,
    memory_limit: MemoryLimit = "4GiB",
    cpu_limit: CpuLimit = None,
    timeout: Timeout = None,
    as_json: JsonFlag = False,
) -> None:
    """Score a model or a predictions file on a split, with bootstrap CIs."""
    from denialbench.eval import evaluate
    from denialbench.eval._summary import print_summary

    result = evaluate(
        model,
        split=split,
        data=data,
        n_bootstrap=bootstrap,
        seed=seed,
        trust_pickle=trust_pickle,
        trusted_types=trust_type or [],
        progress=not as_json,
        limits=_limits(memory_limit, cpu_limit, timeout),
    )
    if out is not None:
        result.save(out)
    if report is not None:
        from denialbench.eval._report import write_report

        write_report(result, report)
    if as_json:
        _print_json(result.to_dict())
    else:
        print_summary(result, _console())


@app.command("compare")
@_handles_errors
def compare_command(
    a: Annotated[Path, typer.Argument(help="Results JSON of model A.")],
    b: Annotated[Path, typer.Argument(help="Results JSON of model B, same split.")],
    bootstrap: Annotated[int, typer.Option(help="Paired bootstrap resamples.")] = 10000,
    seed: Annotated[int, typer.Option()] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Paired bootstrap test on the macro-F1 difference of two result files."""
    from denialbench.eval import compare

    result = compare(a, b, n_bootstrap=bootstrap, seed=seed)
    if as_json:
        _print_json(result)
        return
    _print_tables(
        [
            {
                "title": "Paired comparison (macro-F1)",
                "columns": ["A", "B", "A - B", "95% CI", "p-value", "items"],
                "rows": [
                    [
                        f"{result['macro_f1_a']:.4f}",
                        f"{result['macro_f1_b']:.4f}",
                        f"{result['difference']:+.4f}",
                        f"[{result['ci_low']:+.4f}, {result['ci_high']:+.4f}]",
                        f"{result['p_value']:.4f}",
                        result["n_items"],
                    ]
                ],
            }
        ]
    )


@app.command("predict")
@_handles_errors
def predict_command(
    model: Annotated[Path, typer.Argument(help="A .skops or allowlisted .pkl model.")],
    input: Annotated[
        Path,
        typer.Option("--input", help="Pairs as JSONL or CSV with claim, response (id optional)."),
    ],
    out: Annotated[
        Path | None, typer.Option(help="Write predictions here (.jsonl or .csv); default stdout.")
    ] = None,
    trust_pickle: Annotated[bool, typer.Option("--trust-pickle")] = False,
    memory_limit: MemoryLimit = "4GiB",
    cpu_limit: CpuLimit = None,
    timeout: Timeout = None,
) -> None:
    """Label your own claim/response pairs with a model."""
    from denialbench.eval._predict import predict_file

    text = predict_file(
        model,
        input,
        out=out,
        trust_pickle=trust_pickle,
        limits=_limits(memory_limit, cpu_limit, timeout),
    )
    if out is None:
        sys.stdout.write(text)


# ---------------------------------------------------------------- baselines


@baselines_app.command("list")
@_handles_errors
def baselines_list(as_json: JsonFlag = False) -> None:
    """List the registered baselines."""
    from denialbench.baselines import REGISTRY

    rows = [
        [name, spec.description, "yes" if spec.shipped else "no"] for name, spec in REGISTRY.items()
    ]
    if as_json:
        _print_json([{"name": r[0], "description": r[1], "shipped": r[2] == "yes"} for r in rows])
    else:
        _print_tables(
            [{"title": "Baselines", "columns": ["name", "description", "shipped"], "rows": rows}]
        )


@baselines_app.command("train")
@_handles_errors
def baselines_train(
    name: Annotated[str, typer.Argument(help="A baseline name, or 'all' for the shipped ones.")],
    out: Annotated[Path, typer.Option(help="Folder for .skops, .pkl and model cards.")] = Path(
        "baselines/trained"
    ),
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Train on train, select hyperparameters on validation, save and card."""
    from denialbench.baselines import train_baselines

    for summary in train_baselines(name, out, seed=seed, progress=True):
        _console().print(
            f"{summary['name']}: validation macro-F1 {summary['validation_macro_f1']:.4f}, "
            f"test macro-F1 {summary['test_macro_f1']:.4f} -> {summary['skops']}",
            highlight=False,
        )


# ---------------------------------------------------------------- leaderboard


@leaderboard_app.command("add")
@_handles_errors
def leaderboard_add(
    results: Annotated[Path, typer.Argument(help="Results JSON from `evaluate --out`.")],
    name: Annotated[str | None, typer.Option(help="Model name.")] = None,
    authors: Annotated[str | None, typer.Option(help="Authors.")] = None,
    url: Annotated[str | None, typer.Option(help="URL or paper.")] = None,
    parameters: Annotated[int | None, typer.Option(help="Parameter count, if known.")] = None,
    extra_data: Annotated[
        bool | None,
        typer.Option(
            "--extra-data/--no-extra-data",
            help="Whether training used data beyond the train split.",
        ),
    ] = None,
    test_unseen: Annotated[
        bool,
        typer.Option("--test-unseen", help="State that test was not used for training or tuning."),
    ] = False,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Mark the entry as a project baseline.")
    ] = False,
    board_dir: Annotated[Path, typer.Option(help="Folder of stored entries.")] = Path(
        "leaderboard"
    ),
    date: Annotated[
        str | None, typer.Option(help="Submission date, YYYY-MM-DD (default today).")
    ] = None,
) -> None:
    """Verify a result file from its predictions and store it as an entry."""
    from denialbench.eval import leaderboard

    meta = {
        "name": name,
        "authors": authors,
        "url": url,
        "parameters": parameters,
        "extra_training_data": extra_data,
        "test_unseen": test_unseen,
        "baseline": baseline,
        "date": date,
    }
    path = leaderboard.add(results, meta, board_dir)
    _console().print(f"added {path}", highlight=False)


@leaderboard_app.command("render")
@_handles_errors
def leaderboard_render(
    board_dir: Annotated[Path, typer.Option(help="Folder of stored entries.")] = Path(
        "leaderboard"
    ),
    out: Annotated[Path, typer.Option(help="Where to write the board.")] = Path("LEADERBOARD.md"),
) -> None:
    """Write LEADERBOARD.md from the stored entries, deterministically."""
    from denialbench.eval import leaderboard

    leaderboard.render_to(board_dir, out)


@leaderboard_app.command("check")
@_handles_errors
def leaderboard_check(
    board_dir: Annotated[Path, typer.Option(help="Folder of stored entries.")] = Path(
        "leaderboard"
    ),
    board: Annotated[Path, typer.Option(help="The rendered board.")] = Path("LEADERBOARD.md"),
) -> None:
    """Fail if an entry no longer verifies or LEADERBOARD.md is stale."""
    from denialbench.eval import leaderboard

    n = leaderboard.check(board_dir, board)
    _console().print(f"leaderboard OK: {n} entries verify and {board} is current", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
