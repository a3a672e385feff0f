"""The leaderboard's transfer table: submissions' results on the external tasks.

A task result is stored beside the entries as
``<board>/tasks/<entry slug>/<task>.json`` (the full results file of
``evaluate --task NAME --out``). It is verified like a test result: its
figures must recompute from its own per-item predictions. The external data
is not in the repository, so there are two levels:

* with the user's copy (``leaderboard check --data-root DIR``): the files'
  SHA-256 must match the one recorded, the items and gold labels must be
  those the loader reads, and every figure is recomputed, slices included;
* without it: the recorded hashes must be well formed and agree across all
  entries of the same task version and split, each gold label must be the
  registry's mapping of its native label, and every figure but the slices
  is recomputed from the predictions. The report says which level ran.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError, VerificationFailed
from denialbench.corpus._schema import LABELS
from denialbench.eval._result import EvaluationResult, check_result

__all__ = [
    "add_task_result",
    "check_transfer",
    "load_task_results",
    "transfer_lines",
    "verify_task_result",
]

_TASKS_FOLDER = "tasks"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "model"


def load_task_results(board_dir: Path | str) -> dict[str, dict[str, tuple[Path, dict]]]:
    """entry slug -> task name -> (path, result content)."""
    out: dict[str, dict[str, tuple[Path, dict]]] = {}
    for path in sorted(Path(board_dir, _TASKS_FOLDER).glob("*/*.json")):
        try:
            content = json.loads(path.read_text("utf-8"))
        except json.JSONDecodeError as exc:
            raise VerificationFailed(f"{path}: not valid JSON ({exc})") from None
        name = (content.get("task") or {}).get("name", path.stem)
        out.setdefault(path.parent.name, {})[name] = (path, content)
    return out


def _combined(files: dict[str, str]) -> str:
    """The data.sha256 of a task result: one digest of the per-file hashes."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{files[name]}\n".encode())
    return digest.hexdigest()


def _first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}/{key}"
            found = _first_difference(a[key], b[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}/{i}")
            if found:
                return found
        return None
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return None
    return None if a == b else path


def _task_data_from_predictions(content: dict[str, Any], task: Any, where: str):
    """A TaskData rebuilt from the stored predictions alone (no slices)."""
    from denialbench.eval._data import EvalData
    from denialbench.eval._task_run import TaskData

    names = list(task.label_mapping)
    index = {n: i for i, n in enumerate(names)}
    preds = content["predictions"]
    native = [p.get("native_gold") for p in preds]
    if any(n not in index for n in native):
        raise VerificationFailed(
            f"{where}: a prediction lacks a native gold label of {task.name} "
            f"({', '.join(names)}); re-run `denialbench evaluate --task {task.name} --out`"
        )
    codes = np.array([index[n] for n in native], dtype=np.int64)
    wrong = [p["id"] for p in preds if task.label_mapping[p["native_gold"]] != p["gold"]]
    if wrong:
        raise VerificationFailed(
            f"{where}: gold labels are not the mapping of the native labels, e.g. {wrong[:3]}"
        )
    data = EvalData(
        ids=np.array([p["id"] for p in preds], dtype=object),
        gold=np.array([LABELS.index(p["gold"]) for p in preds], dtype=np.int8),
        source=dict(content["data"]),
    )
    return TaskData(
        task, content["task"]["split"], data, codes, names, files=content["task"]["files"]
    )


def verify_task_result(
    content: dict[str, Any], where: str, data_root: Path | str | None = None
) -> str:
    """Raise VerificationFailed unless ``content`` recomputes; return the level checked."""
    from denialbench.eval._task_run import load_task, task_result
    from denialbench.eval._tasks import get_task

    check_result(content, where)
    block = content.get("task")
    if block is None:
        raise VerificationFailed(f"{where}: not a task result (no 'task' object)")
    task = get_task(block["name"])
    if task.bundled or task.reader is None:
        raise VerificationFailed(
            f"{where}: the transfer table takes the external tasks only (got {task.name})"
        )
    if block["version"] != task.version:
        raise VerificationFailed(
            f"{where}: scored with {task.name} v{block['version']}, this package has "
            f"v{task.version}; re-run `denialbench evaluate --task {task.name}`"
        )
    if content["data"]["sha256"] != _combined(block["files"]):
        raise VerificationFailed(f"{where}: data.sha256 is not the digest of task.files")
    stored = _task_data_from_predictions(content, task, where)
    level = "hashes and consistency (no copy of the data given)"
    rows = None  # prediction rows in the order of the items read from the files
    if data_root is not None:
        try:
            fresh = load_task(task.name, data_root, block["split"])
        except InputError as exc:
            level = f"hashes and consistency (no usable copy under {data_root}: {exc})"
        else:
            if fresh.data.source["sha256"] != content["data"]["sha256"]:
                raise VerificationFailed(
                    f"{where}: scored on files with SHA-256 {content['data']['sha256'][:12]}..., "
                    f"the copy under {data_root} has {fresh.data.source['sha256'][:12]}..."
                )
            order = {i: k for k, i in enumerate(stored.data.id_array().tolist())}
            ids = fresh.data.id_array().tolist()
            if set(order) != set(ids) or len(order) != len(ids):
                raise VerificationFailed(f"{where}: the predictions do not cover the task's items")
            rows = np.array([order[i] for i in ids], dtype=np.int64)
            if not np.array_equal(stored.data.gold[rows], fresh.data.gold):
                raise VerificationFailed(f"{where}: gold labels differ from the task's files")
            stored, level = fresh, "recomputed from the task's files"
    preds = content["predictions"]
    pred = np.array([LABELS.index(p["label"]) for p in preds], dtype=np.int8)
    proba = (
        np.array([p["proba"] for p in preds], dtype=np.float64)
        if preds and all("proba" in p for p in preds)
        else None
    )
    if rows is not None:
        pred = pred[rows]
        proba = proba[rows] if proba is not None else None
    args = content["arguments"]
    again = task_result(
        stored,
        pred,
        proba,
        model_info=content["model"],
        binary=block["view"] == "binary",
        n_bootstrap=args["n_bootstrap"],
        seed=args["seed"],
    ).scores
    keys = ["metrics", "per_label", "confusion_matrix"]
    if rows is not None:
        keys.append("slices")
    fresh_part = json.loads(json.dumps({k: again[k] for k in keys}))
    fresh_part["task_scores"] = json.loads(json.dumps(again["task"]["scores"]))
    stored_part = {k: content[k] for k in keys}
    stored_part["task_scores"] = block["scores"]
    diff = _first_difference(fresh_part, stored_part)
    if diff is not None:
        raise VerificationFailed(
            f"{where}: {diff} does not match what its predictions give; re-run "
            f"`denialbench evaluate --task {task.name} --out`"
        )
    return level


def add_task_result(
    results: Path | str, entry_name: str, board_dir: Path | str = "leaderboard"
) -> Path:
    """Verify a task result and store it under an existing entry's name."""
    from denialbench.corpus._io import atomic_write_text

    board_dir = Path(board_dir)
    slug = _slug(entry_name)
    if not any(board_dir.glob(f"*/{slug}.json")):
        raise InputError(
            f"no leaderboard entry named {entry_name!r} in {board_dir}; add its test result "
            "first with `denialbench leaderboard add`"
        )
    content = EvaluationResult.load(results).content
    verify_task_result(content, str(results))
    task = content["task"]["name"]
    target = board_dir / _TASKS_FOLDER / slug / f"{task}.json"
    atomic_write_text(target, json.dumps(content, indent=1) + "\n")
    return target


def check_transfer(
    board_dir: Path | str = "leaderboard", data_root: Path | str | None = None
) -> list[str]:
    """Verify every stored task result; return one line per result saying how."""
    problems, report = [], []
    by_key: dict[tuple[str, str, str], set[str]] = {}
    for slug, tasks in load_task_results(board_dir).items():
        for task, (path, content) in tasks.items():
            try:
                level = verify_task_result(content, str(path), data_root)
            except (VerificationFailed, InputError) as exc:
                problems.append(str(exc))
                continue
            block = content["task"]
            key = (task, block["version"], block["split"])
            by_key.setdefault(key, set()).add(content["data"]["sha256"])
            report.append(f"{slug} / {task}: {level}")
    for (task, version, split), hashes in by_key.items():
        if len(hashes) > 1:
            problems.append(
                f"{task} v{version} ({split}): entries were scored on {len(hashes)} different "
                "copies of the files (SHA-256 differ); they are not comparable"
            )
    if problems:
        raise VerificationFailed(
            f"transfer results check failed ({len(problems)} problem(s))", problems
        )
    return report


def transfer_lines(
    board_dir: Path | str, rows: list[tuple[dict[str, Any], dict[str, Any]]]
) -> list[str]:
    """The transfer table of LEADERBOARD.md: one row per entry, one column per task.

    ``rows`` are the board's (submission, test result) pairs.

    Empty when no entry has a task result, so a board without any stays as it was.
    """
    from denialbench.eval._tasks import TASKS

    results = load_task_results(board_dir)
    if not results:
        return []
    tasks = [t for t in TASKS if any(t in r for r in results.values())]
    lines = [
        "## Transfer to real-world stance datasets",
        "",
        "Main score of each task (macro-F1 over the labels the task has) with its 95% "
        "bootstrap interval; `denialbench tasks` lists the sources, label mappings and "
        "native scores. The data is not redistributed: `denialbench leaderboard check "
        "--data-root DIR` recomputes these from your copies, and without them checks hashes "
        "and consistency only.",
        "",
        "| model | test macro-F1 | " + " | ".join(tasks) + " |",
        "|---|---:|" + "---:|" * len(tasks),
    ]
    from denialbench.eval.leaderboard import markdown_text

    for submission, test_result in sorted(rows, key=lambda row: row[0]["name"]):
        slug = _slug(submission["name"])
        own = results.get(slug, {})
        if not own:
            continue
        cells = []
        for task in tasks:
            if task not in own:
                cells.append("-")
                continue
            block = own[task][1]["task"]
            m = block["scores"][block["main_score"]]
            cells.append(f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]")
        test = test_result["metrics"]["macro_f1_score"]["value"]
        name = markdown_text(submission["name"])
        lines.append(f"| {name} | {test:.3f} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines
