"""The baselines on every task: ``denialbench baselines score-tasks``.

The scores are stored in ``baselines/task_scores.json`` (date, data hashes,
main and native scores with CIs) and rendered into the ``tasks`` block of
baselines/README.md by ``denialbench docs``, so the table is always a pure
function of a committed file and ``docs --check`` can tell when it is stale.
"""

from __future__ import annotations

import json
from datetime import date as _date
from pathlib import Path
from typing import Any

from denialbench._errors import InputError

__all__ = ["score_baselines_on_tasks", "task_scores_markdown"]

SCORES_FILE = Path("baselines") / "task_scores.json"


def _shipped_models(trained: Path, names: list[str] | None) -> dict[str, Path]:
    from denialbench.baselines import REGISTRY, embeddings_available

    chosen = names or [n for n, spec in REGISTRY.items() if spec.shipped]
    unknown = [n for n in chosen if n not in REGISTRY]
    if unknown:
        raise InputError(f"unknown baseline(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    models = {}
    for name in chosen:
        if REGISTRY[name].needs_embeddings and not embeddings_available():
            continue
        path = REGISTRY[name].model_path(trained, ".skops")
        if path.exists():
            models[name] = path
    if not models:
        raise InputError(f"{trained}: no trained baseline .skops files; run `baselines train all`")
    return models


def score_baselines_on_tasks(
    data_root: Path | str | None,
    *,
    trained: Path | str | None = None,
    names: list[str] | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
    today: str | None = None,
) -> dict[str, Any]:
    """Score each shipped baseline on every task of ``--task all`` found under ``data_root``.

    Returns the JSON-ready record written to ``baselines/task_scores.json``.
    """
    from importlib import resources

    from denialbench.eval._task_run import evaluate_all_tasks
    from denialbench.eval._tasks import get_task

    trained = Path(trained or str(resources.files("denialbench.baselines") / "trained"))
    record: dict[str, Any] = {
        "date": today or _date.today().isoformat(),
        "n_bootstrap": n_bootstrap,
        "seed": seed,
        "tasks": {},
        "skipped": {},
        "scores": {},
    }
    for name, path in _shipped_models(trained, names).items():
        runs = evaluate_all_tasks(path, data_root, n_bootstrap=n_bootstrap, seed=seed)
        record["scores"][name] = {}
        for run in runs:
            if run.result is None:
                # the reason names the user's folder: keep only what is stable
                bundled = get_task(run.task).bundled
                record["skipped"][run.task] = (
                    "its bundled split is empty" if bundled else "no copy of its files was found"
                )
                continue
            content = run.result.scores
            task = content["task"]
            record["tasks"][run.task] = {
                "version": task["version"],
                "split": task["split"],
                "n_items": content["data"]["n_items"],
                "sha256": content["data"]["sha256"],
                "files": task["files"],
                "main_score": task["main_score"],
                "native_score": task["native_score"],
            }
            wanted = [task["main_score"], task["native_score"]]
            record["scores"][name][run.task] = {
                s: task["scores"][s] for s in wanted if s is not None and s in task["scores"]
            }
    return record


def write_scores(record: dict[str, Any], root: Path | str = ".") -> Path:
    from denialbench.corpus._io import atomic_write_text

    path = Path(root) / SCORES_FILE
    atomic_write_text(path, json.dumps(record, indent=1) + "\n")
    return path


# how the table words each reason a task was not scored
_SKIP_NOTES = {"no copy of its files was found": "no copy found"}


def _cell(m: dict[str, float] | None) -> str:
    if m is None:
        return "-"
    return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


def task_scores_markdown(record: dict[str, Any] | None) -> str:
    """The transfer table: one row per baseline, main (and native) score per task."""
    if record is None:
        return "No task scores recorded yet: run `denialbench baselines score-tasks`.\n"
    tasks = record["tasks"]
    external = [t for t in tasks if not t.startswith("denialbench:")]
    lines = [
        f"Scored on {record['date']} by `denialbench baselines score-tasks` "
        f"({record['n_bootstrap']} bootstrap resamples, seed {record['seed']}).",
        "",
    ]
    if not external:
        lines += [
            "No external task data was found when this table was generated (FNC-1, Emergent "
            "and RumourEval 2019 are not redistributed): run `denialbench baselines score-tasks "
            "--data-root DIR` with your copies to fill in their columns.",
            "",
        ]
    if tasks:
        columns = []
        for name, info in tasks.items():
            columns.append((name, info["main_score"]))
            if info["native_score"] and info["native_score"] != info["main_score"]:
                columns.append((name, info["native_score"]))
        lines.append(
            "| baseline | "
            + " | ".join(f"{t} {s.removesuffix('_score')}" for t, s in columns)
            + " |"
        )
        lines.append("|---|" + "---|" * len(columns))
        for baseline, by_task in record["scores"].items():
            cells = [_cell(by_task.get(t, {}).get(s)) for t, s in columns]
            lines.append(f"| {baseline} | " + " | ".join(cells) + " |")
        lines += ["", "| task | version | split | items | SHA-256 of the files read |"]
        lines.append("|---|---|---|---:|---|")
        for name, info in tasks.items():
            lines.append(
                f"| {name} | {info['version']} | {info['split']} | {info['n_items']} | "
                f"`{info['sha256'][:16]}` |"
            )
    for reason in sorted(set(record["skipped"].values())):
        names = sorted(t for t, why in record["skipped"].items() if why == reason)
        shown = _SKIP_NOTES.get(reason, reason)
        lines += ["", f"Not scored ({shown}): " + ", ".join(names) + "."]
    return "\n".join(lines) + "\n"


def task_scores_text(root: Path) -> str:
    """The ``tasks`` block of baselines/README.md (a ``denialbench docs`` producer)."""
    path = root / SCORES_FILE
    if not path.exists():
        return task_scores_markdown(None)
    return task_scores_markdown(json.loads(path.read_text("utf-8")))
