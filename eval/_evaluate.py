"""`evaluate()`: the library call behind `denialbench evaluate`."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError
from denialbench.corpus._schema import LABELS
from denialbench.eval._data import EvalData, load_eval_data
from denialbench.eval._result import RESULT_SCHEMA_VERSION, EvaluationResult
from denialbench.eval._sandbox import ModelProcess, SandboxLimits
from denialbench.eval._scoring import CONFIDENCE, score

__all__ = ["evaluate", "is_model_file", "model_process_for", "predict_any", "result_content"]


def _package_version() -> str:
    import denialbench

    return denialbench.__version__


def predict_any(
    model_or_path: Any,
    data: EvalData,
    *,
    trust_pickle: bool = False,
    trusted_types: list[str] | tuple = (),
    progress: bool = False,
    limits: SandboxLimits | None = None,
    model_process: ModelProcess | None = None,
    device: str = "cpu",
) -> tuple[np.ndarray, np.ndarray | None, dict[str, Any]]:
    """Predictions for ``data`` from a model object, a model file or folder, or a predictions file.

    A model object is the caller's own and runs in this process. A model file
    or checkpoint folder is loaded and run in a sandboxed child process (see
    :mod:`denialbench.eval._sandbox`) under ``limits``; ``model_process`` is
    one already started for it (so its start-up overlapped the data loading).
    ``device`` (cpu, cuda or auto) is where a checkpoint folder runs.
    """
    from denialbench.corpus._io import sha256_file
    from denialbench.eval._hf_folder import folder_sha256, refuse_missing_model, resolve_device
    from denialbench.eval._model import run_model
    from denialbench.eval._predictions import PREDICTION_SUFFIXES, read_predictions
    from denialbench.eval._safe_loading import SKOPS_SUFFIXES

    if not isinstance(model_or_path, str | Path):
        pred, proba = run_model(model_or_path, data, progress=progress)
        cls = type(model_or_path)
        return (
            pred,
            proba,
            {
                "kind": "object",
                "sha256": None,
                "path": None,
                "class": f"{cls.__module__}.{cls.__qualname__}",
            },
        )
    path = Path(model_or_path)
    suffix = path.suffix.lower()
    if not path.exists():
        refuse_missing_model(path)
    if path.is_dir():
        process = model_process or model_process_for(
            path,
            trust_pickle=trust_pickle,
            trusted_types=trusted_types,
            limits=limits,
            device=device,
        )
        assert process is not None  # a folder always gets one
        folder_digest = folder_sha256(path)
        with process if model_process is None else nullcontext(process):
            pred, proba, class_name = process.predict(data)
        return (
            pred,
            proba,
            {"kind": "checkpoint", "sha256": folder_digest, "path": path.name, "class": class_name},
        )
    resolve_device(device, folder=False)
    if suffix in PREDICTION_SUFFIXES:
        pred, proba, sha256 = read_predictions(path, data)
        info = {"kind": "predictions", "sha256": sha256, "path": path.name, "class": None}
        return pred, proba, info
    info = {"sha256": sha256_file(path), "path": path.name}
    if is_model_file(path):
        process = model_process or ModelProcess(
            path, trust_pickle=trust_pickle, trusted_types=trusted_types, limits=limits
        )
        with process if model_process is None else nullcontext(process):
            pred, proba, class_name = process.predict(data)
        kind = "skops" if suffix in SKOPS_SUFFIXES else "pickle"
        return pred, proba, {"kind": kind, **info, "class": class_name}
    raise InputError(
        f"{path}: unknown file type {suffix!r}; use .skops, .pkl/.pickle/.joblib, or a "
        "predictions file (.jsonl/.csv)"
    )


def model_process_for(
    path: Any,
    *,
    trust_pickle: bool = False,
    trusted_types: list[str] | tuple = (),
    limits: SandboxLimits | None = None,
    device: str = "cpu",
) -> ModelProcess | None:
    """The sandboxed process for a model file or checkpoint folder; None for anything else.

    A folder is checked here (config, labels, weights, no code or pickles)
    before a process starts, so its errors come first and fast.
    """
    if not isinstance(path, str | Path):
        return None
    from denialbench.eval._hf_folder import check_model_folder, resolve_device

    if Path(path).is_dir():
        if trust_pickle or trusted_types:
            raise InputError(
                f"{path}: a checkpoint folder loads safetensors weights only; --trust-pickle "
                "and --trust-type do not apply to it (leave them out)"
            )
        check_model_folder(path)
        import importlib.util

        if not all(importlib.util.find_spec(name) for name in ("torch", "transformers")):
            raise InputError(
                f"{path}: a checkpoint folder runs with torch and transformers, which are not "
                "installed: pip install 'denialbench[embeddings]'"
            )
        return ModelProcess(path, limits=limits, device=resolve_device(device))
    if not is_model_file(path):
        return None
    resolve_device(device, folder=False)
    return ModelProcess(path, trust_pickle=trust_pickle, trusted_types=trusted_types, limits=limits)


def is_model_file(path: Any) -> bool:
    """Whether ``path`` names an existing model file (run in the sandbox)."""
    from denialbench.eval._safe_loading import PICKLE_SUFFIXES, SKOPS_SUFFIXES

    return (
        isinstance(path, str | Path)
        and Path(path).suffix.lower() in PICKLE_SUFFIXES | SKOPS_SUFFIXES
        and Path(path).is_file()
    )


def per_item_predictions(
    data: EvalData, pred: np.ndarray, proba: np.ndarray | None
) -> list[dict[str, Any]]:
    """The per-item records of a result file: id, gold, label (and proba)."""
    labels = np.asarray(LABELS, dtype=object)
    columns = [data.id_array().tolist(), labels[data.gold].tolist(), labels[pred].tolist()]
    if proba is None:
        return [{"id": i, "gold": g, "label": p} for i, g, p in zip(*columns, strict=True)]
    return [
        {"id": i, "gold": g, "label": p, "proba": row}
        for i, g, p, row in zip(*columns, proba.tolist(), strict=True)
    ]


def result_content(
    data: EvalData,
    pred: np.ndarray,
    proba: np.ndarray | None,
    *,
    model_info: dict[str, Any],
    n_bootstrap: int,
    seed: int,
) -> dict[str, Any]:
    """Provenance and scores; the per-item predictions are added by the caller.

    They are the costly part for large files, so :class:`EvaluationResult`
    builds them only when the file is written or the list is read.
    """
    scores = score(data, pred, proba, n_bootstrap=n_bootstrap, seed=seed)
    source = data.source
    return {
        "schema_version": RESULT_SCHEMA_VERSION,
        "denialbench_version": _package_version(),
        "corpus_version": source.get("corpus_version"),
        "data": {
            "kind": source.get("kind", "file"),
            "split": source.get("split"),
            "sha256": source["sha256"],
            "path": source.get("path"),
            "n_items": len(data),
            **({"n_headline_items": int(data.headline.sum())} if data.headline is not None else {}),
        },
        "model": model_info,
        "arguments": {"n_bootstrap": n_bootstrap, "seed": seed, "confidence": CONFIDENCE},
        **scores,
    }


def evaluate(
    model_or_path: Any,
    split: str = "test",
    *,
    data: Path | str | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
    trust_pickle: bool = False,
    trusted_types: list[str] | tuple = (),
    progress: bool = False,
    limits: SandboxLimits | None = None,
    device: str = "cpu",
) -> EvaluationResult:
    """Score a model, model file or folder, or predictions file on a split or a data file.

    Parameters
    ----------
    model_or_path : estimator or path
        An object with scikit-learn's ``predict(X)`` (X: DataFrame with ``id``,
        ``claim``, ``response``), a ``.skops``/``.pkl`` file (loaded safely), a
        Hugging Face checkpoint folder (safetensors weights, see
        :mod:`denialbench.eval._hf_folder`), or a predictions file
        (``id,label[,p_deny,...]``).
    split : {"test", "validation", "real_test", "real_validation"}
        The bundled split to score on, unless ``data`` is given. On the real
        splits the headline metrics leave out the ambiguous items (no 2/3
        annotator majority); the ``ambiguous`` slice scores them apart.
    data : path, optional
        A JSONL/CSV file in the corpus schema (``id``, ``claim``, ``response``,
        ``label``; ``domain``, ``subtype``, ``tags``, ``group`` add slices).
    n_bootstrap, seed : int
        Bootstrap resamples and seed: the same inputs give the same numbers.
    trust_pickle : bool
        Load a pickle without the allowlist (it still runs in the sandbox).
    limits : SandboxLimits, optional
        Memory, CPU and wall-clock limits of the process that runs a model
        file. A model object is your own and runs in this process, unlimited.
    device : {"cpu", "cuda", "auto"}
        Where a checkpoint folder runs; ``auto`` takes a GPU when one is
        present. Other models run on the CPU.

    Examples
    --------
    >>> from denialbench.baselines import make_majority
    >>> from denialbench.corpus import load
    >>> train = load(as_pandas=True, splits=("train",))["train"]
    >>> model = make_majority().fit(train[["id", "claim", "response"]], train["label"])
    >>> result = evaluate(model, "test", n_bootstrap=100)
    >>> 0.0 <= result.macro_f1 <= 1.0
    True
    """
    if n_bootstrap < 0:
        raise InputError(f"'n_bootstrap' must be >= 0 (got {n_bootstrap})")
    # start the model process first: its imports overlap the data loading
    process = model_process_for(
        model_or_path,
        trust_pickle=trust_pickle,
        trusted_types=trusted_types,
        limits=limits,
        device=device,
    )
    with process or nullcontext():
        eval_data = load_eval_data(split, data)
        pred, proba, model_info = predict_any(
            model_or_path,
            eval_data,
            trust_pickle=trust_pickle,
            trusted_types=trusted_types,
            progress=progress,
            limits=limits,
            model_process=process,
            device=device,
        )
    content = result_content(
        eval_data, pred, proba, model_info=model_info, n_bootstrap=n_bootstrap, seed=seed
    )
    return EvaluationResult(
        content, lambda: per_item_predictions(eval_data, pred, proba), data=eval_data
    )
