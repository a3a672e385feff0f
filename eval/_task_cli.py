"""What ``denialbench evaluate --task`` does, kept out of the thin CLI layer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from denialbench._errors import InputError

__all__ = ["run_task_command", "runs_table"]


def _file_name(task: str) -> str:
    return task.replace(":", "-") + ".json"


def runs_table(runs: list[Any]) -> dict[str, Any]:
    """One row per task of ``--task all``: main and native score, or why it was skipped."""

    def cell(task: dict[str, Any], name: str | None) -> str:
        if name is None:
            return "-"
        m = task["scores"][name]
        return f"{name} {m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"

    rows = []
    for run in runs:
        if run.result is None:
            rows.append([run.task, "skipped", "-", "-", run.skipped])
            continue
        task = run.result.scores["task"]
        rows.append(
            [
                run.task,
                str(run.result.scores["data"]["n_items"]),
                cell(task, task["main_score"]),
                cell(task, task["native_score"]),
                f"split {task['split']}, v{task['version']}",
            ]
        )
    return {
        "title": "Tasks",
        "columns": ["task", "items", "main score [95% CI]", "native score", "notes"],
        "rows": rows,
    }


def run_task_command(
    model: Path,
    *,
    task: str,
    split: str | None,
    data: Path | None,
    data_root: Path | None,
    label_map: str | None,
    columns: str | None,
    binary: bool,
    out: Path | None,
    report: Path | None,
    n_bootstrap: int,
    seed: int,
    trust_pickle: bool,
    trusted_types: list[str],
    as_json: bool,
    limits: Any = None,
    console: Any,
    print_json: Callable[[Any], None],
) -> None:
    """``evaluate --task NAME`` or ``--task all``: score, save, print."""
    from denialbench._tables import print_tables
    from denialbench.eval._pairs import parse_columns, parse_label_map
    from denialbench.eval._summary import print_summary
    from denialbench.eval._task_run import evaluate_all_tasks, evaluate_task

    if task != "pairs" and (label_map or columns):
        raise InputError("--map and --columns apply to --task pairs only")
    common = {
        "binary": binary,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
        "trust_pickle": trust_pickle,
        "trusted_types": trusted_types,
        "progress": not as_json,
        "limits": limits,
    }
    if task == "all":
        from denialbench.eval._predictions import PREDICTION_SUFFIXES

        if model.suffix.lower() in PREDICTION_SUFFIXES:
            raise InputError(
                f"{model}: a predictions file answers one task's items; with --task all give a "
                "model file, or score each task with --task NAME"
            )
        if report is not None:
            raise InputError("--report-dir takes one task; drop it with --task all")
        if split is not None:
            raise InputError("--task all scores each task's default split; drop --split")
        runs = evaluate_all_tasks(model, data_root or data, **common)
        if out is not None:
            for run in runs:
                if run.result is not None:
                    run.result.save(out / _file_name(run.task))
        if as_json:
            print_json(
                {
                    "results": {r.task: r.result.to_dict() for r in runs if r.result},
                    "skipped": {r.task: r.skipped for r in runs if r.result is None},
                }
            )
        else:
            print_tables(console, [runs_table(runs)])
        return
    if data_root is not None:
        raise InputError("--data-dir goes with --task all; give one task's copy with --data")
    result = evaluate_task(
        model,
        task,
        data,
        split,
        label_map=parse_label_map(label_map),
        columns=parse_columns(columns),
        **common,
    )
    if out is not None:
        result.save(out)
    if report is not None:
        from denialbench.eval._report import write_report

        write_report(result, report)
    if as_json:
        print_json(result.to_dict())
    else:
        print_summary(result, console)
