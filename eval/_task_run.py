"""Loading a task's items and scoring a model on one task or on all of them.

Predictions go through :func:`denialbench.eval._evaluate.predict_any`, the
same entry point as ``denialbench evaluate`` on the corpus, so model files
are loaded (and sandboxed) the same way whatever the task.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError
from denialbench.corpus._schema import LABELS
from denialbench.eval._data import EvalData, _categorical, load_eval_data
from denialbench.eval._result import EvaluationResult
from denialbench.eval._sandbox import SandboxLimits
from denialbench.eval._task_files import ReleaseCopy
from denialbench.eval._task_loaders import MissingFiles, TaskItems
from denialbench.eval._tasks import TASKS, TaskMetadata, data_path_hint, get_task

__all__ = ["TaskData", "evaluate_all_tasks", "evaluate_task", "load_task"]


@dataclass
class TaskData:
    """A task's items as :class:`EvalData`, with the native gold labels beside them."""

    task: TaskMetadata
    split: str
    data: EvalData
    native_codes: np.ndarray  # int codes into native_names
    native_names: list[str]
    files: dict[str, str] = field(default_factory=dict)  # file read -> SHA-256
    notes: dict[str, Any] = field(default_factory=dict)
    read_seconds: float = 0.0


def _check_split(task: TaskMetadata, split: str | None) -> str:
    split = split or task.default_split
    if split not in task.splits:
        raise InputError(
            f"task {task.name} has split(s) {', '.join(task.splits)} (got --split {split!r})"
        )
    return split


def _from_items(
    task: TaskMetadata, split: str, items: TaskItems, source: dict[str, Any]
) -> TaskData:
    names = list(task.label_mapping)
    index = {name: i for i, name in enumerate(names)}
    unknown = sorted({n for n in items.native.tolist() if n not in index})
    if unknown:
        raise InputError(
            f"{source.get('path')}: label(s) {', '.join(map(repr, unknown))} are not labels "
            f"of {task.name} ({', '.join(names)}); is this the released file?"
        )
    native_codes = np.fromiter((index[n] for n in items.native), dtype=np.int64)
    to_label = np.array([LABELS.index(task.label_mapping[n]) for n in names], dtype=np.int8)
    data = EvalData(
        ids=items.ids,
        gold=to_label[native_codes] if len(native_codes) else np.zeros(0, np.int8),
        claim=items.claim,
        response=items.response,
        source=source,
    )
    for name, values in items.slices.items():
        data.slices[name] = _categorical(values.tolist())
    return TaskData(task, split, data, native_codes, names, notes=items.notes)


def _pairs_task(label_map: dict[str, str], items: TaskItems) -> TaskMetadata:
    """The pairs task with the user's mapping and the labels their data has."""
    mapping = {n: label_map.get(n, n) for n in dict.fromkeys(items.native.tolist())}
    present = {mapping[n] for n in mapping}
    return dataclasses.replace(
        TASKS["pairs"],
        label_mapping=mapping,
        labels=tuple(label for label in LABELS if label in present),
    )


def load_task(
    name: str,
    data: Path | str | ReleaseCopy | None = None,
    split: str | None = None,
    *,
    label_map: dict[str, str] | None = None,
    columns: dict[str, str] | None = None,
) -> TaskData:
    """Read a task's items: a bundled split, the user's copy of a release, or a pairs file.

    Parameters
    ----------
    name : str
        A key of :data:`TASKS` (``denialbench tasks``).
    data : path, optional
        The user's copy: a folder or the original archive (external tasks),
        or the pairs file (``pairs``). Unused by the bundled tasks.
    split : str, optional
        The task's split (default: its ``default_split``).
    label_map, columns : dict, optional
        For ``pairs`` only: native label -> DenialBench label, and
        DenialBench field -> the file's column.
    """
    task = get_task(name)
    split = _check_split(task, split)
    start = time.perf_counter()
    if task.bundled:
        if data is not None:
            raise InputError(
                f"task {task.name} is bundled and reads no --data; to score your own file "
                "use --task pairs --data FILE"
            )
        eval_data = load_eval_data(split)
        task_data = TaskData(task, split, eval_data, eval_data.gold.astype(np.int64), list(LABELS))
        task_data.files = {f"{split}.jsonl": eval_data.source["sha256"]}
    elif task.name == "pairs":
        from denialbench.eval._pairs import parse_columns, read_pairs

        if data is None:
            raise InputError("--task pairs needs --data FILE (CSV, TSV, JSONL or Parquet)")
        if isinstance(data, ReleaseCopy):
            raise InputError("--task pairs reads one file; give it with --data FILE")
        items, sha256 = read_pairs(data, label_map or {}, columns or parse_columns(None))
        task = _pairs_task(label_map or {}, items)
        source = _source(task, split, data, sha256)
        task_data = _from_items(task, split, items, source)
        task_data.files = {Path(data).name: sha256}
    else:
        task_data = _load_release(task, split, data)
    task_data.read_seconds = time.perf_counter() - start
    return task_data


def _source(task: TaskMetadata, split: str, path: Path | str, sha256: str) -> dict[str, Any]:
    return {
        "kind": "task",
        "split": split,
        "sha256": sha256,
        "path": str(path),
        "corpus_version": None,
    }


def _load_release(
    task: TaskMetadata, split: str, data: Path | str | ReleaseCopy | None
) -> TaskData:
    from denialbench.eval._task_files import open_release

    if data is None:
        raise InputError(data_path_hint(task, split))
    if isinstance(data, ReleaseCopy):
        copy = dataclasses.replace(data, hashes={})  # this task's files only
        data = data.root
    else:
        copy = open_release(data)
    assert task.reader is not None
    try:
        items = task.reader(copy, split)
    except MissingFiles as exc:
        raise MissingFiles(f"{exc}. {data_path_hint(task, split)}", exc.missing) from None
    source = _source(task, split, data, copy.combined_sha256())
    task_data = _from_items(task, split, items, source)
    task_data.files = dict(sorted(copy.hashes.items()))
    return task_data


# ---------------------------------------------------------------- scoring


def task_block(
    task_data: TaskData, pred: np.ndarray, *, binary: bool, n_bootstrap: int, seed: int
) -> dict[str, Any]:
    """The ``task`` object of a results file."""
    from denialbench.eval._task_scoring import task_scores

    task = task_data.task
    native_codes = task_data.native_codes
    headline = task_data.data.headline
    if headline is not None:
        # a real split: its ambiguous items stay out of every score, as in `evaluate`
        native_codes, pred = native_codes[headline], pred[headline]
    scores = task_scores(
        task,
        native_codes,
        task_data.native_names,
        pred,
        n_bootstrap=n_bootstrap,
        seed=seed,
    )
    return {
        "name": task.name,
        "version": task.version,
        "split": task_data.split,
        "labels": list(task.labels),
        "label_mapping": dict(task.label_mapping),
        "view": "binary" if binary else "multiclass",
        "main_score": "deny_f1_score" if binary else task.main_score,
        "native_score": task.native_score,
        "scores": scores,
        "files": dict(task_data.files),
        "notes": dict(task_data.notes),
    }


def _slices_over_task_labels(
    content: dict[str, Any], task_data: TaskData, pred: np.ndarray, n_bootstrap: int, seed: int
) -> None:
    """Slice macro-F1 over the task's labels, on the resamples `score` drew for the slice."""
    from denialbench.eval._metrics import K
    from denialbench.eval._scoring import _interval, bootstrap_confusions, slice_rng
    from denialbench.eval._task_scoring import present_macro_f1

    present = np.array([LABELS.index(label) for label in task_data.task.labels])
    flat = task_data.data.gold.astype(np.int64) * K + pred
    for kind, slicing in task_data.data.slices.items():
        n_cat = len(slicing.names)
        cms = np.bincount(
            slicing.codes.astype(np.int64) * K * K + flat, minlength=n_cat * K * K
        ).reshape(n_cat, K, K)
        for name, cm in zip(slicing.names, cms, strict=True):
            if name not in content["slices"].get(kind, {}):
                continue
            boot = bootstrap_confusions(cm, n_bootstrap, slice_rng(seed, f"{kind}:{name}"))
            content["slices"][kind][name]["macro_f1_score"] = _interval(
                float(present_macro_f1(cm, present)), present_macro_f1(boot, present)
            )


def task_result(
    task_data: TaskData,
    pred: np.ndarray,
    proba: np.ndarray | None,
    *,
    model_info: dict[str, Any],
    binary: bool = False,
    n_bootstrap: int = 1000,
    seed: int = 0,
    timing: dict[str, float] | None = None,
) -> EvaluationResult:
    """The results file of a model's predictions on a task."""
    from denialbench.eval._evaluate import per_item_predictions, result_content

    data = task_data.data
    content = result_content(
        data, pred, proba, model_info=model_info, n_bootstrap=n_bootstrap, seed=seed
    )
    block = task_block(task_data, pred, binary=binary, n_bootstrap=n_bootstrap, seed=seed)
    # One value and one interval per score in a file: the metrics the two blocks
    # share come from `score`, except macro-F1 when the task lacks a label (the
    # four-label average would count that label as F1 0).
    shared = ["accuracy_score", "deny_f1_score"]
    if set(task_data.task.labels) == set(LABELS):
        shared.append("macro_f1_score")
    else:
        content["metrics"]["macro_f1_score"] = dict(block["scores"]["macro_f1_score"])
        _slices_over_task_labels(content, task_data, pred, n_bootstrap, seed)
    for name in shared:
        block["scores"][name] = dict(content["metrics"][name])
    content["task"] = block
    if timing is not None:
        content["timing"] = timing
    native = np.asarray(task_data.native_names, dtype=object)[task_data.native_codes]
    bundled = task_data.task.bundled

    def predictions() -> list[dict[str, Any]]:
        items = per_item_predictions(data, pred, proba)
        if not bundled:
            for item, gold in zip(items, native.tolist(), strict=True):
                item["native_gold"] = gold
        return items

    return EvaluationResult(content, predictions)


def evaluate_task(
    model_or_path: Any,
    task: str | TaskData,
    data: Path | str | ReleaseCopy | None = None,
    split: str | None = None,
    *,
    label_map: dict[str, str] | None = None,
    columns: dict[str, str] | None = None,
    binary: bool = False,
    n_bootstrap: int = 1000,
    seed: int = 0,
    trust_pickle: bool = False,
    trusted_types: list[str] | tuple = (),
    progress: bool = False,
    limits: SandboxLimits | None = None,
) -> EvaluationResult:
    """Score a model, model file or predictions file on a registered task.

    The result is an ordinary results file plus a ``task`` object (name,
    version, split, label mapping, main and native scores with CIs, the
    SHA-256 of every file read) and ``timing`` (reading, the model, scoring).

    Examples
    --------
    >>> from denialbench.baselines import make_majority
    >>> from denialbench.corpus import load
    >>> train = load(as_pandas=True, splits=("train",))["train"]
    >>> model = make_majority().fit(train[["id", "claim", "response"]], train["label"])
    >>> result = evaluate_task(model, "denialbench:test", n_bootstrap=0)
    >>> result.content["task"]["name"]
    'denialbench:test'
    """
    from denialbench.eval._evaluate import predict_any

    if n_bootstrap < 0:
        raise InputError(f"'n_bootstrap' must be >= 0 (got {n_bootstrap})")
    task_data = (
        task
        if isinstance(task, TaskData)
        else load_task(task, data, split, label_map=label_map, columns=columns)
    )
    start = time.perf_counter()
    pred, proba, model_info = predict_any(
        model_or_path,
        task_data.data,
        trust_pickle=trust_pickle,
        trusted_types=trusted_types,
        progress=progress,
        limits=limits,
    )
    predicted = time.perf_counter()
    # the model's own time is reported apart from reading and scoring
    timing = {
        "read_seconds": round(task_data.read_seconds, 4),
        "model_seconds": round(predicted - start, 4),
    }
    result = task_result(
        task_data,
        pred,
        proba,
        model_info=model_info,
        binary=binary,
        n_bootstrap=n_bootstrap,
        seed=seed,
        timing=timing,
    )
    timing["score_seconds"] = round(time.perf_counter() - predicted, 4)
    return result


@dataclass
class TaskRun:
    """One task of ``--task all``: its result, or why it was skipped."""

    task: str
    result: EvaluationResult | None = None
    skipped: str | None = None


def evaluate_all_tasks(
    model_or_path: Any,
    data_root: Path | str | None,
    *,
    binary: bool = False,
    n_bootstrap: int = 1000,
    seed: int = 0,
    trust_pickle: bool = False,
    trusted_types: list[str] | tuple = (),
    progress: bool = False,
    limits: SandboxLimits | None = None,
) -> list[TaskRun]:
    """Every task of ``--task all`` whose files are under ``data_root``; the rest skipped."""
    from denialbench.eval._task_files import open_release

    copy = open_release(data_root) if data_root is not None else None  # indexed once
    runs = []
    for task in TASKS.values():
        if not task.in_all:
            continue
        if not task.bundled and data_root is None:
            runs.append(TaskRun(task.name, skipped="no --data-root given"))
            continue
        if task.bundled and _bundled_split_is_empty(task.default_split):
            # DenialBench-Real ships empty until its annotated data is added
            runs.append(TaskRun(task.name, skipped=f"the bundled {task.default_split} is empty"))
            continue
        try:
            result = evaluate_task(
                model_or_path,
                task.name,
                None if task.bundled else copy,
                binary=binary,
                n_bootstrap=n_bootstrap,
                seed=seed,
                trust_pickle=trust_pickle,
                trusted_types=trusted_types,
                progress=progress,
                limits=limits,
            )
        except MissingFiles as exc:
            runs.append(
                TaskRun(
                    task.name,
                    skipped=f"not found under {data_root}: {', '.join(exc.missing)} "
                    f"(published at {task.published})",
                )
            )
            continue
        runs.append(TaskRun(task.name, result=result))
    return runs


def _bundled_split_is_empty(split: str) -> bool:
    from denialbench.corpus._loading import split_path

    path = split_path(split)
    return path.is_file() and not path.read_bytes().strip()
