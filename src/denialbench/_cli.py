"""The `denialbench` command line: a thin typer layer over the library.

Heavy libraries (pandas, scikit-learn, datasets, matplotlib) are imported
inside the commands, never at module level, so `denialbench --help` is quick.
Exit codes: 0 success, 1 a check that failed, 2 bad input. A DenialBenchError
is printed as one message, never as a traceback. Everything printed goes
through :mod:`denialbench._console`, so text from files and models is shown
literally, never as markup or terminal control sequences.
"""

from __future__ import annotations

import functools
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

from denialbench._cli_support import App, check_output_dir, check_output_file, examples
from denialbench._console import make_console, print_error, print_warning, say
from denialbench._errors import DenialBenchError, DenialBenchWarning

# plain click help (rich_markup_mode=None): rendering help through rich costs more
# than the 0.3 s budget of `denialbench --help`; command output still uses rich
app = App(
    name="denialbench",
    help="DenialBench: a dataset and benchmark for denial detection.",
    epilog=examples(
        "denialbench evaluate baselines/trained/pair_tfidf.skops --out results.json",
        "denialbench corpus stats",
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
corpus_app = App(
    help="Inspect, check and build the corpus.",
    epilog=examples("denialbench corpus validate --data-dir corpus/data"),
    no_args_is_help=True,
    rich_markup_mode=None,
)
baselines_app = App(
    help="List and train the baseline models.",
    epilog=examples("denialbench baselines list"),
    no_args_is_help=True,
    rich_markup_mode=None,
)
leaderboard_app = App(
    help="Verified submissions and LEADERBOARD.md.",
    epilog=examples("denialbench leaderboard check"),
    no_args_is_help=True,
    rich_markup_mode=None,
)
real_app = App(
    help="DenialBench-Real: exchanges from White House press briefings (maintainers).",
    epilog=examples("denialbench corpus real validate --corpus-dir corpus"),
    no_args_is_help=True,
    rich_markup_mode=None,
)
corpus_app.add_typer(real_app, name="real")
app.add_typer(corpus_app, name="corpus")
app.add_typer(baselines_app, name="baselines")
app.add_typer(leaderboard_app, name="leaderboard")

#: How a predictions file may write a label: its name or its ClassLabel id.
#: tests/test_cli.py checks this against denialbench.corpus.LABELS (importing
#: the corpus here would slow `--help`).
LABEL_IDS_HELP = "0=deny, 1=confirm, 2=evade, 3=unrelated"


def _show_version(value: bool) -> None:
    if value:
        import denialbench

        say(make_console(), f"denialbench {denialbench.__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_show_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """DenialBench: a dataset and benchmark for denial detection."""


def _console(stderr: bool = False):
    return make_console(stderr=stderr)


def _handles_errors(command):
    """Turn DenialBench errors into a message and the matching exit code, and
    DenialBench warnings into ``warning:`` lines; all printed literally."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DenialBenchWarning)
                return command(*args, **kwargs)
        except DenialBenchError as exc:
            _show_warnings(caught)
            print_error(_console(stderr=True), exc, getattr(exc, "problems", []))
            raise typer.Exit(exc.exit_code) from None
        finally:
            _show_warnings(caught)

    return wrapper


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print ours as ``warning:`` lines; hand the others back to the warnings machinery.

    Called after ``catch_warnings`` has restored ``showwarning``, which it replaces
    while recording.
    """
    while caught:
        item = caught.pop(0)
        if issubclass(item.category, DenialBenchWarning):
            print_warning(_console(stderr=True), item.message)
        else:
            warnings.showwarning(item.message, item.category, item.filename, item.lineno)


def _print_json(obj: Any) -> None:
    from denialbench._console import json_text

    sys.stdout.write(json_text(obj) + "\n")


def _print_tables(tables: list[dict[str, Any]]) -> None:
    from denialbench._console import print_tables

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
        help="CPU seconds for the model process (default: 120 + 0.05 per item; 0.5 per item "
        "for a Hugging Face checkpoint).",
    ),
]
Timeout = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        help="Wall-clock seconds for the model process (default: 300 + 0.1 per item; 1 per "
        "item for a Hugging Face checkpoint).",
    ),
]
Device = Annotated[
    str,
    typer.Option(
        "--device",
        help="Where a Hugging Face checkpoint runs: cpu, cuda (a GPU; exit 2 if none), or "
        "auto (a GPU when one is present). Other models run on the CPU.",
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
LeaderboardDir = Annotated[
    Path,
    typer.Option(
        "--leaderboard-dir", help="Folder of stored entries (was --board-dir).", show_default=True
    ),
]


# ---------------------------------------------------------------- corpus


@corpus_app.command("stats", epilog=examples("denialbench corpus stats --markdown"))
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
        from denialbench._console import clean

        sys.stdout.write(clean(stats_markdown(result)))
    else:
        _print_tables(result["tables"])
        say(
            _console(),
            f"Denial-cue lexicon ({len(result['lexicon'])} words): " + ", ".join(result["lexicon"]),
        )


@corpus_app.command(
    "validate", epilog=examples("denialbench corpus validate --data-dir my_corpus/data --json")
)
@_handles_errors
def corpus_validate(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Check schema, ids, split leakage, near-duplicates, version and quotas."""
    from denialbench.corpus import validate

    report = validate(data_dir, raise_on_error=not as_json)
    if as_json:
        _print_json(report)
        raise typer.Exit(1 if report["problems"] else 0)
    m = report["measures"]
    say(
        _console(),
        f"corpus OK: {m['items']} items (train {m['train_items']}, validation "
        f"{m['validation_items']}, test {m['test_items']}); deny without cue "
        f"{m['deny_no_cue_share']:.1%}, non-deny with cue {m['nondeny_cue_share']:.1%}, "
        f"contrast {m['contrast_share']:.1%}",
    )
    for target in report["targets_missed"]:
        say(_console(), f"target missed: {target}")


@corpus_app.command(
    "probes",
    epilog=examples(
        "denialbench corpus probes", "denialbench corpus probes --data-dir my_corpus/data --json"
    ),
)
@_handles_errors
def corpus_probes(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Train shortcut probes on train, score macro-F1 on test, check issue 11's limits.

    Exit 1 when a probe is over its limit (about two minutes on two cores).
    """
    from denialbench.corpus._probes import run_probes

    report = run_probes(data_dir)
    if as_json:
        _print_json({k: v for k, v in report.items() if k != "tables"})
    else:
        _print_tables(report["tables"])
    raise typer.Exit(0 if report["passed"] else 1)


@corpus_app.command(
    "writing",
    epilog=examples("denialbench corpus writing", "denialbench corpus writing --json"),
)
@_handles_errors
def corpus_writing(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Check for template writing: repeated frames, names reused across stories, overlap.

    Exit 1 when a limit is exceeded. Not part of `corpus validate` yet.
    """
    from denialbench.corpus._writing_checks import writing_checks

    report = writing_checks(data_dir)
    if as_json:
        _print_json({k: v for k, v in report.items() if k != "tables"})
    else:
        _print_tables(report["tables"])
    raise typer.Exit(0 if report["passed"] else 1)


@corpus_app.command(
    "build", epilog=examples("denialbench corpus build --corpus-dir corpus --allow-same-version")
)
@_handles_errors
def corpus_build(
    corpus_dir: Annotated[
        Path, typer.Option("--corpus-dir", help="The corpus folder of a checkout (was --root).")
    ] = Path("corpus"),
    seed: Annotated[int, typer.Option(help="Seed of the split assignment.")] = 13,
    allow_same_version: Annotated[
        bool,
        typer.Option(
            "--allow-same-version",
            help="Rewrite changed data under the same version (unreleased data only).",
        ),
    ] = False,
    skip_probes: Annotated[
        bool,
        typer.Option(
            "--skip-probes", help="Leave corpus/probes.json as it is (quick rebuilds only)."
        ),
    ] = False,
) -> None:
    """Rebuild corpus/data from corpus/sources, then run the shortcut probes.

    Maintainers, from a checkout. The probes' figures go to corpus/probes.json,
    which the dataset card shows and `corpus validate` checks against the data.
    """
    from denialbench.corpus._build import build
    from denialbench.corpus._probes import write_probes

    result = build(corpus_dir, seed=seed, allow_same_version=allow_same_version)
    if not skip_probes:
        result["probes_passed"] = write_probes(corpus_dir)["passed"]
    _print_json(result)


@app.command("docs", epilog=examples("denialbench docs --check --repo-dir ."))
@_handles_errors
def docs_command(
    repo_dir: Annotated[
        Path, typer.Option("--repo-dir", help="The repository's root folder (was --root).")
    ] = Path("."),
    check: Annotated[
        bool, typer.Option("--check", help="Fail if a generated block is stale.")
    ] = False,
) -> None:
    """Regenerate the figures in README.md, corpus/README.md and baselines/README.md.

    --check needs mlcroissant, from the test extra: pip install 'denialbench[test]'.
    """
    from denialbench._docs import update_docs

    stale = update_docs(repo_dir, check=check)
    verb = "are current" if check or not stale else "updated"
    say(_console(), f"docs {verb}: {', '.join(stale) or 'nothing to change'}")


@corpus_app.command("agreement", epilog=examples("denialbench corpus agreement --json"))
@_handles_errors
def corpus_agreement(
    agreement_dir: Annotated[
        Path | None,
        typer.Option(
            "--agreement-dir",
            help="The agreement-study folder (was --folder; default: bundled).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Recompute Cohen's kappa and per-label agreement of the agreement study."""
    from denialbench.corpus._agreement import agreement, agreement_tables

    result = agreement(agreement_dir)
    if as_json:
        _print_json(result)
    else:
        _print_tables(agreement_tables(result))


# ---------------------------------------------------------------- corpus real


@real_app.command(
    "extract",
    epilog=examples(
        "denialbench corpus real extract --wh-briefings-dir wh-briefings.git "
        "--obama-briefings-dir obama-briefings.git"
    ),
)
@_handles_errors
def real_extract(
    wh_briefings: Annotated[
        Path,
        typer.Option(
            "--wh-briefings-dir",
            help="The wh-briefings repository (a bare git dir or a checkout folder).",
            show_default=False,
        ),
    ],
    obama_briefings: Annotated[
        Path,
        typer.Option(
            "--obama-briefings-dir",
            help="The 2009-2016 briefings repository (a bare git dir or a checkout folder).",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out-dir", help="The folder where candidates.jsonl goes.")
    ] = Path("corpus/sources/real"),
    limit: Annotated[int, typer.Option(min=1, help="Keep at most this many candidates.")] = 3500,
) -> None:
    """Parse both briefing collections and write the candidate pool."""
    from denialbench.corpus._real_pool import write_candidate_pool

    _print_json(write_candidate_pool(wh_briefings, obama_briefings, out, limit=limit))


CorpusRoot = Annotated[Path, typer.Option("--corpus-dir", help="The corpus folder of a checkout.")]


@real_app.command("items", epilog=examples("denialbench corpus real items --corpus-dir corpus"))
@_handles_errors
def real_items(root: CorpusRoot = Path("corpus")) -> None:
    """Write items.jsonl and the blind to_annotate.jsonl from verified extractions."""
    from denialbench.corpus._real_build import write_items

    summary = write_items(root)
    problems = summary.pop("extraction_problems")
    _print_json({**summary, "extraction_problems": len(problems)})
    for problem in problems[:200]:
        _console(stderr=True).print(f"  - {problem}", markup=False, highlight=False)


@real_app.command("build", epilog=examples("denialbench corpus real build --corpus-dir corpus"))
@_handles_errors
def real_build(root: CorpusRoot = Path("corpus")) -> None:
    """Write data/real_*.jsonl from the items, annotations and adjudication."""
    from denialbench.corpus._real_build import build_real

    summary = build_real(root)
    problems = summary.pop("problems")
    _print_json({**summary, "problems": len(problems)})
    if problems:
        _console(stderr=True).print(
            f"{len(problems)} source line(s) left out; `denialbench corpus real validate` "
            "lists them",
            highlight=False,
        )


@real_app.command(
    "validate", epilog=examples("denialbench corpus real validate --corpus-dir corpus --json")
)
@_handles_errors
def real_validate(
    root: CorpusRoot = Path("corpus"),
    wh_briefings: Annotated[
        Path | None,
        typer.Option(
            "--wh-briefings-dir",
            help="Also check the candidates against this wh-briefings repository folder.",
        ),
    ] = None,
    obama_briefings: Annotated[
        Path | None,
        typer.Option(
            "--obama-briefings-dir",
            help="... and this 2009-2016 collection's repository folder (give both).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check extractions, annotations and the real split files (exit 2 on a failure)."""
    from denialbench._errors import InputError
    from denialbench.corpus._real_checks import validate_real

    if (wh_briefings is None) != (obama_briefings is None):
        raise InputError("give both --wh-briefings-dir and --obama-briefings-dir, or neither")
    transcripts = (wh_briefings, obama_briefings) if wh_briefings and obama_briefings else None
    summary = validate_real(root, transcripts=transcripts)
    if as_json:
        _print_json(summary)
        return
    _console().print(
        f"DenialBench-Real OK: {summary['items']} items, {summary['ambiguous']} ambiguous, "
        f"{summary['constructed']} constructed, Fleiss' kappa {summary['fleiss_kappa']}",
        highlight=False,
    )


# ---------------------------------------------------------------- evaluate


TrustPickle = Annotated[
    bool,
    typer.Option(
        "--trust-pickle",
        help="Load a pickle with joblib, without the allowlist: this can run code. Only for "
        "files you made yourself; the classes' modules must be importable.",
    ),
]
TrustType = Annotated[
    list[str] | None,
    typer.Option(
        "--trust-type",
        metavar="TYPE",
        help="A type a .skops file may load, e.g. mypackage.MyTransformer (repeatable).",
    ),
]


@app.command(
    "evaluate",
    epilog=examples(
        "denialbench evaluate baselines/trained/pair_tfidf.skops --out results.json",
        "denialbench evaluate my_predictions.csv --split validation --report-dir report",
        "denialbench evaluate path/to/checkpoint_folder --device auto",
    ),
)
@_handles_errors
def evaluate_command(
    model: Annotated[
        Path,
        typer.Argument(
            help="A .skops or .pkl/.pickle/.joblib model, a Hugging Face checkpoint folder "
            "(config.json, model.safetensors, tokenizer files), or a predictions .jsonl/.csv file "
            "with id, label and optionally p_deny, p_confirm, p_evade, p_unrelated; a label is "
            f"a name or its id ({LABEL_IDS_HELP}). "
            "WARNING: loading a pickle can run code; pickles are read through an "
            "allowlist unless --trust-pickle is given.",
            show_default=False,
        ),
    ],
    split: Annotated[
        str, typer.Option(help="test, validation, real_test or real_validation.")
    ] = "test",
    data: Annotated[
        Path | None, typer.Option(help="Evaluate on your own JSONL/CSV in the corpus schema.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the versioned results JSON here (a .json file).")
    ] = None,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report-dir", help="Write report.md and plots to this folder (was --report)."
        ),
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option(
            "--errors",
            help="Write the misclassified items (id, claim, response, gold, prediction, "
            "probabilities) to this .csv or .jsonl file.",
        ),
    ] = None,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the CIs.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    trust_pickle: TrustPickle = False,
    trust_type: TrustType = None,
    task: Annotated[
        str | None,
        typer.Option(
            help="A registered task (`denialbench tasks`), or 'all'. External tasks read your "
            "copy of the release given with --data (a directory or an archive)."
        ),
    ] = None,
    data_root: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", "--data-root", help="With --task all: the folder holding your copies."
        ),
    ] = None,
    label_map: Annotated[
        str | None,
        typer.Option(
            "--map",
            help="With --task pairs: map your labels, e.g. 'against=deny,for=confirm'.",
        ),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(help="With --task pairs: your columns, e.g. 'claim=headline,response=body'."),
    ] = None,
    binary: Annotated[
        bool, typer.Option("--binary", help="Rank by the deny-vs-rest view (deny F1).")
    ] = False,
    answers: Annotated[
        bool,
        typer.Option(
            "--answers",
            help="MODEL is an LLM answers file (id, answer: free text); each answer is parsed "
            "to a label, and one that names none counts as wrong (see `denialbench prompts`).",
        ),
    ] = False,
    memory_limit: MemoryLimit = "4GiB",
    cpu_limit: CpuLimit = None,
    timeout: Timeout = None,
    device: Device = "cpu",
    as_json: JsonFlag = False,
) -> None:
    """Score a model, a checkpoint folder or a predictions file on a split or a task."""
    from denialbench.eval import evaluate
    from denialbench.eval._misclassified import check_errors_path, write_misclassified
    from denialbench.eval._summary import print_summary

    if answers and task is not None:
        from denialbench._errors import InputError

        raise InputError("--answers scores the DenialBench splits; leave out --task")
    if task is not None:
        from denialbench.eval._task_cli import run_task_command

        run_task_command(
            model,
            task=task,
            split=split if split != "test" else None,
            data=data,
            data_root=data_root,
            label_map=label_map,
            columns=columns,
            binary=binary,
            out=out,
            report=report_dir,
            n_bootstrap=bootstrap,
            seed=seed,
            trust_pickle=trust_pickle,
            trusted_types=trust_type or [],
            as_json=as_json,
            limits=_limits(memory_limit, cpu_limit, timeout),
            console=_console(),
            print_json=_print_json,
        )
        return
    # output paths are checked first: a bad one must not cost a whole evaluation
    check_output_file(out, "--out", (".json",))
    check_output_dir(report_dir, "--report-dir")
    if errors is not None:
        check_errors_path(errors)
    if answers:
        from denialbench.eval._answers import evaluate_answers

        result = evaluate_answers(model, split, data=data, n_bootstrap=bootstrap, seed=seed)
    else:
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
            device=device,
        )
    if out is not None:
        result.save(out)
    if report_dir is not None:
        from denialbench.eval._report import write_report

        write_report(result, report_dir)
    if errors is not None:
        write_misclassified(result, errors)
    if as_json:
        _print_json(result.to_dict())
    else:
        print_summary(result, _console())
        if answers:
            from denialbench.eval._answers import print_unparseable

            print_unparseable(result, _console())


@app.command(
    "prompts",
    epilog=examples(
        "denialbench prompts --split test --shots 8 --seed 1 --out prompts.jsonl",
        "denialbench evaluate answers.jsonl --answers --split test",
    ),
)
@_handles_errors
def prompts_command(
    out: Annotated[
        Path,
        typer.Option(
            help="Write the prompts here as JSON Lines: id, prompt, template_version, shot_ids.",
            show_default=False,
        ),
    ],
    split: Annotated[
        str, typer.Option(help="test, validation, real_test or real_validation.")
    ] = "test",
    shots: Annotated[
        int,
        typer.Option(
            min=0,
            help="Few-shot examples per prompt, from train (real_train for real splits), "
            "balanced over the labels, never from the item's own contrast group or briefing.",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the few-shot draw.")] = 0,
) -> None:
    """Write one LLM prompt per item; score the answers with `evaluate --answers`."""
    from denialbench.eval._prompts import write_prompts

    check_output_file(out, "--out", (".jsonl",))
    _print_json(write_prompts(out, split, shots=shots, seed=seed))


@app.command(
    "lm-eval-path",
    epilog=examples(
        "denialbench lm-eval-path",
        'lm_eval --model hf --model_args pretrained=MODEL --include_path "$(denialbench '
        'lm-eval-path)" --tasks denialbench_test_gen,denialbench_test_mc',
    ),
)
@_handles_errors
def lm_eval_path_command() -> None:
    """Print the folder of the lm-evaluation-harness task YAMLs (for --include_path)."""
    from denialbench.eval._lm_eval import lm_eval_path

    sys.stdout.write(f"{lm_eval_path()}\n")


@app.command("tasks", epilog=examples("denialbench tasks", "denialbench tasks --json"))
@_handles_errors
def tasks_command(as_json: JsonFlag = False) -> None:
    """List the tasks: DenialBench's splits and the external stance datasets."""
    from denialbench.eval._tasks import TASKS, task_table

    if as_json:
        _print_json([t.to_dict() for t in TASKS.values()])
    else:
        _print_tables([task_table()])


@app.command("compare", epilog=examples("denialbench compare results_a.json results_b.json --json"))
@_handles_errors
def compare_command(
    a: Annotated[
        Path,
        typer.Argument(help="Model A: a results JSON or a leaderboard entry.", show_default=False),
    ],
    b: Annotated[
        Path,
        typer.Argument(
            help="Model B: a results JSON or a leaderboard entry, same split.", show_default=False
        ),
    ],
    bootstrap: Annotated[int, typer.Option(help="Paired bootstrap resamples.")] = 10000,
    seed: Annotated[int, typer.Option(help="Seed of the paired bootstrap.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Paired bootstrap test on the macro-F1 difference of two models on the same split."""
    from denialbench.eval import compare

    result = compare(a, b, n_bootstrap=bootstrap, seed=seed)
    if as_json:
        _print_json(result)
        return
    _print_tables(
        [
            {
                "title": f"Paired comparison (macro-F1) on {result['scored_on']}: "
                f"A = {result['name_a']}, B = {result['name_b']}",
                "columns": [
                    f"A: {result['name_a']}",
                    f"B: {result['name_b']}",
                    "A - B",
                    "95% CI",
                    "p-value",
                    "items",
                ],
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


@app.command(
    "predict",
    epilog=examples(
        "denialbench predict baselines/trained/pair_tfidf.skops --input pairs.csv --out labels.csv",
        "denialbench predict path/to/checkpoint_folder --input pairs.csv --device auto",
    ),
)
@_handles_errors
def predict_command(
    model: Annotated[
        Path,
        typer.Argument(
            help="A .skops or .pkl/.pickle/.joblib model (pickles through the allowlist), or a "
            "Hugging Face checkpoint folder (safetensors weights).",
            show_default=False,
        ),
    ],
    input: Annotated[
        Path,
        typer.Option(
            "--input",
            help="Pairs as JSONL or CSV with claim, response (id optional).",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write predictions here; .jsonl or .csv decides the format (default: JSON "
            "Lines on stdout)."
        ),
    ] = None,
    trust_pickle: TrustPickle = False,
    trust_type: TrustType = None,
    memory_limit: MemoryLimit = "4GiB",
    cpu_limit: CpuLimit = None,
    timeout: Timeout = None,
    device: Device = "cpu",
) -> None:
    """Label your own claim/response pairs with a model."""
    from denialbench.eval._predict import predict_file

    text = predict_file(
        model,
        input,
        out=out,
        trust_pickle=trust_pickle,
        trusted_types=trust_type or [],
        limits=_limits(memory_limit, cpu_limit, timeout),
        device=device,
    )
    if out is None:
        sys.stdout.write(text)


# ---------------------------------------------------------------- baselines


@baselines_app.command("list", epilog=examples("denialbench baselines list --json"))
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


@baselines_app.command(
    "train",
    epilog=examples(
        "denialbench baselines train pair_tfidf --out-dir my_models",
        "denialbench baselines train cross_encoder --seed 0 --learning-rate 5e-5 --epochs 2",
    ),
)
@_handles_errors
def baselines_train(
    name: Annotated[
        str,
        typer.Argument(help="A baseline name, or 'all' for the shipped ones.", show_default=False),
    ],
    out_dir: Annotated[
        Path,
        typer.Option("--out-dir", help="Folder for .skops, .pkl and model cards (was --out)."),
    ] = Path("baselines/trained"),
    seed: Annotated[
        int, typer.Option(help="Random seed of the seeded baselines (recorded in the model card).")
    ] = 0,
    learning_rate: Annotated[
        list[float] | None,
        typer.Option(
            "--learning-rate",
            help="cross_encoder: the learning rates to try (repeatable; default 1e-4).",
        ),
    ] = None,
    epochs: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="cross_encoder: epochs of the schedule; the best epoch on validation is kept "
            "(default 3).",
        ),
    ] = None,
    max_train_items: Annotated[
        int | None,
        typer.Option(
            "--max-train-items",
            min=1,
            help="cross_encoder: train on a seeded sample of this many items (quick runs).",
        ),
    ] = None,
    base_model: Annotated[
        Path | None,
        typer.Option(
            "--base-model",
            help="cross_encoder: another local checkpoint to fine-tune (default: the "
            "all-MiniLM-L6-v2 of the [embeddings] extra).",
        ),
    ] = None,
) -> None:
    """Train on train, select hyperparameters on validation, save and card."""
    from denialbench.baselines import train_baselines

    check_output_dir(out_dir, "--out-dir")
    summaries = train_baselines(
        name,
        out_dir,
        seed=seed,
        progress=True,
        learning_rates=learning_rate,
        epochs=epochs,
        max_train_items=max_train_items,
        base_model=base_model,
    )
    for summary in summaries:
        say(
            _console(),
            f"{summary['name']}: validation macro-F1 {summary['validation_macro_f1']:.4f}, "
            f"test macro-F1 {summary['test_macro_f1']:.4f} -> {summary['saved']}",
        )


@baselines_app.command(
    "score-tasks", epilog=examples("denialbench baselines score-tasks --data-root ~/stance-data")
)
@_handles_errors
def baselines_score_tasks(
    data_root: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", "--data-root", help="The folder holding your copies of the task releases."
        ),
    ] = None,
    repo_dir: Annotated[
        Path, typer.Option("--repo-dir", help="The repository checkout folder to write into.")
    ] = Path("."),
    name: Annotated[
        list[str] | None, typer.Option("--name", help="Only this baseline (repeatable).")
    ] = None,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the CIs.")] = 1000,
) -> None:
    """Score the shipped baselines on every task found; write the table in baselines/README.md."""
    from denialbench._docs import update_docs
    from denialbench.eval._task_baselines import score_baselines_on_tasks, write_scores

    record = score_baselines_on_tasks(
        data_root, trained=repo_dir / "baselines" / "trained", names=name, n_bootstrap=bootstrap
    )
    path = write_scores(record, repo_dir)
    update_docs(repo_dir)
    skipped = ", ".join(sorted(record["skipped"])) or "none"
    say(
        _console(),
        f"scored {len(record['scores'])} baseline(s) on {', '.join(record['tasks'])}; "
        f"skipped (no copy found): {skipped}; wrote {path} and baselines/README.md",
    )


@baselines_app.command(
    "transfer",
    epilog=examples(
        "denialbench baselines transfer && denialbench docs",
        "denialbench baselines transfer --corpus-dir corpus --json",
    ),
)
@_handles_errors
def baselines_transfer(
    corpus_dir: Annotated[
        Path,
        typer.Option("--corpus-dir", help="The corpus folder to write real_transfer.json into."),
    ] = Path("corpus"),
    seed: Annotated[
        int, typer.Option(help="Seed of the seeded baselines and of the bootstrap.")
    ] = 0,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the CIs.")] = 1000,
    as_json: JsonFlag = False,
) -> None:
    """Train baselines on train, real_train and both; score each on test and real_test."""
    from denialbench.baselines._transfer import transfer_record, write_transfer

    check_output_dir(corpus_dir, "--corpus-dir")
    record = transfer_record(seed=seed, n_bootstrap=bootstrap)
    path = write_transfer(record, corpus_dir)
    if as_json:
        _print_json(record)
    else:
        from denialbench._console import clean
        from denialbench.baselines._transfer import real_transfer_markdown

        sys.stdout.write(clean(real_transfer_markdown(record)))
        say(_console(), f"wrote {path}; run `denialbench docs` to update corpus/README.md")


# ---------------------------------------------------------------- leaderboard


@leaderboard_app.command(
    "add",
    epilog=examples(
        "denialbench leaderboard add results.json --name 'My model' --authors 'A. Author' "
        "--url https://example.org/paper --no-extra-data --test-unseen",
        "denialbench leaderboard add results.json --real-test real.json --name 'My model' "
        "--authors 'A. Author' --url https://example.org/paper --no-extra-data --test-unseen",
    ),
)
@_handles_errors
def leaderboard_add(
    results: Annotated[
        Path, typer.Argument(help="Results JSON from `evaluate --out`.", show_default=False)
    ],
    name: Annotated[str, typer.Option(help="Model name.", show_default=False)],
    authors: Annotated[str, typer.Option(help="Authors.", show_default=False)],
    url: Annotated[str, typer.Option(help="URL or paper.", show_default=False)],
    extra_data: Annotated[
        bool,
        typer.Option(
            "--extra-data/--no-extra-data",
            help="Whether training used data beyond the train split.",
            show_default=False,
        ),
    ],
    parameters: Annotated[int | None, typer.Option(help="Parameter count, if known.")] = None,
    test_unseen: Annotated[
        bool,
        typer.Option("--test-unseen", help="State that test was not used for training or tuning."),
    ] = False,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Mark the entry as a project baseline.")
    ] = False,
    leaderboard_dir: LeaderboardDir = Path("leaderboard"),
    date: Annotated[
        str | None, typer.Option(help="Submission date, YYYY-MM-DD (default today).")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Replace the entry of the same name (e.g. a retrained baseline)."
        ),
    ] = False,
    real_test: Annotated[
        Path | None,
        typer.Option(
            help="Results JSON of the same model on DenialBench-Real "
            "(`evaluate MODEL --split real_test --out FILE`), shown beside test.",
            show_default=False,
        ),
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
    path = leaderboard.add(results, meta, leaderboard_dir, replace=replace, real_test=real_test)
    say(_console(), f"added {path}")


@leaderboard_app.command(
    "render", epilog=examples("denialbench leaderboard render --out LEADERBOARD.md")
)
@_handles_errors
def leaderboard_render(
    leaderboard_dir: LeaderboardDir = Path("leaderboard"),
    out: Annotated[Path, typer.Option(help="Where to write the board.")] = Path("LEADERBOARD.md"),
) -> None:
    """Write LEADERBOARD.md from the stored entries, deterministically."""
    from denialbench.eval import leaderboard

    check_output_file(out, "--out")
    leaderboard.render_to(leaderboard_dir, out)


@leaderboard_app.command(
    "check", epilog=examples("denialbench leaderboard check --board LEADERBOARD.md")
)
@_handles_errors
def leaderboard_check(
    leaderboard_dir: LeaderboardDir = Path("leaderboard"),
    board: Annotated[Path, typer.Option(help="The rendered board.")] = Path("LEADERBOARD.md"),
    data_root: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            "--data-root",
            help="The folder of your copies of the task releases: transfer results are "
            "recomputed from them.",
        ),
    ] = None,
) -> None:
    """Fail if an entry no longer verifies or LEADERBOARD.md is stale."""
    from denialbench.eval import leaderboard
    from denialbench.eval._transfer import check_transfer

    # task results first: an edited one is named, not only reported as a stale board
    checked = check_transfer(leaderboard_dir, data_root)
    found = leaderboard.check(leaderboard_dir, board)
    console = _console()
    for line in found.stale:
        say(console, line)
    say(
        console,
        f"leaderboard OK: {found.n_entries} entries verify and {board} is current"
        + (
            f"; {len(found.stale)} stale (run `denialbench leaderboard rescore`)"
            if found.stale
            else ""
        ),
    )
    for line in checked:
        say(console, f"task result OK: {line}")


@leaderboard_app.command(
    "rescore", epilog=examples("denialbench leaderboard rescore && denialbench leaderboard render")
)
@_handles_errors
def leaderboard_rescore(leaderboard_dir: LeaderboardDir = Path("leaderboard")) -> None:
    """Rewrite stored figures from each entry's predictions (after a metric or slice is added)."""
    from denialbench.eval import leaderboard

    rewritten = leaderboard.rescore(leaderboard_dir)
    console = _console()
    for path in rewritten:
        say(console, f"rescored {path}")
    say(
        console,
        f"{len(rewritten)} entr{'y' if len(rewritten) == 1 else 'ies'} rewritten; "
        "now run `denialbench leaderboard render`",
    )


@leaderboard_app.command(
    "add-task",
    epilog=examples(
        "denialbench evaluate model.skops --task emergent --data emergent/ --out emergent.json",
        "denialbench leaderboard add-task emergent.json --name 'My model'",
    ),
)
@_handles_errors
def leaderboard_add_task(
    results: Annotated[
        Path,
        typer.Argument(help="Results JSON of `evaluate --task NAME --out`.", show_default=False),
    ],
    name: Annotated[
        str,
        typer.Option(help="The name of the leaderboard entry it belongs to.", show_default=False),
    ],
    leaderboard_dir: LeaderboardDir = Path("leaderboard"),
) -> None:
    """Verify an entry's result on an external task and store it for the transfer table."""
    from denialbench.eval._transfer import add_task_result

    path = add_task_result(results, name, leaderboard_dir)
    say(_console(), f"added {path}; run `denialbench leaderboard render`")


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
