"""`baselines train`: fit on train, select on validation, save, write a card.

Hyperparameters are chosen by validation macro-F1 only; the test split is
scored once, by the harness, after the choice is made. The selected model is
saved twice: ``.skops`` (the safe default) and ``.pkl`` (protocol 5, read
back through the allowlist unpickler).
"""

from __future__ import annotations

import itertools
import pickle
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from denialbench._errors import InputError
from denialbench.baselines._embedding import EMBEDDINGS_MISSING, embeddings_available
from denialbench.baselines._registry import REGISTRY, BaselineSpec

__all__ = ["fit_baseline", "train_baselines"]

_INPUT = ["id", "claim", "response"]


def _grid(spec: BaselineSpec) -> list[dict[str, Any]]:
    keys = sorted(spec.grid)
    return [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(spec.grid[k] for k in keys))
    ]


def _compact_for_saving(obj: Any, seen: set[int] | None = None) -> None:
    """Shrink the fitted TfidfVectorizers of a model before it is saved.

    - ``stop_words_`` holds every term pruned by min_df/max_features, for
      introspection only; prediction never reads it.
    - ``vocabulary_`` maps terms to numpy int64 scalars, which skops stores as
      one .npy file each (tens of thousands of files, tens of MB); plain ints
      are stored inline and index the same columns.
    """
    from sklearn.base import BaseEstimator

    seen = seen if seen is not None else set()
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, BaseEstimator):
        if hasattr(obj, "stop_words_"):
            del obj.stop_words_
        if isinstance(getattr(obj, "vocabulary_", None), dict):
            obj.vocabulary_ = {term: int(index) for term, index in obj.vocabulary_.items()}
        for value in vars(obj).values():
            _compact_for_saving(value, seen)
    elif isinstance(obj, list | tuple):
        for value in obj:
            _compact_for_saving(value, seen)


def _format_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "no hyperparameters"


def fit_baseline(
    name: str,
    *,
    seed: int = 0,
    frames: dict[str, Any] | None = None,
    report: Callable[[str], None] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Select hyperparameters on validation; return the model fitted on train and a log.

    Parameters
    ----------
    name : str
        A key of :data:`~denialbench.baselines.REGISTRY`.
    seed : int
        Passed to seeded factories.
    frames : dict, optional
        ``{"train": DataFrame, "validation": DataFrame}``; default: the bundled splits.
    report : callable, optional
        Called with one line of progress per candidate (which candidate, its
        validation macro-F1, how long it took), so a run of many minutes is
        never silent.
    """
    from sklearn.metrics import f1_score

    from denialbench.corpus import LABELS, load

    spec = REGISTRY[name]
    if spec.needs_embeddings and not embeddings_available():
        raise InputError(EMBEDDINGS_MISSING)
    frames = frames or load(as_pandas=True, splits=("train", "validation"))
    train, validation = frames["train"], frames["validation"]
    candidates = _grid(spec) or [{}]
    say = report or (lambda line: None)
    say(
        f"{name}: {len(candidates)} candidate(s), fitting on {len(train)} train items, "
        f"selecting by macro-F1 on {len(validation)} validation items"
    )
    trials = []
    best: tuple[float, dict[str, Any], Any] | None = None
    started = time.perf_counter()
    for number, params in enumerate(candidates, start=1):
        fit_started = time.perf_counter()
        kwargs = {**params, **({"seed": seed} if spec.seeded else {})}
        model = spec.factory(**kwargs).fit(train[_INPUT], train["label"])
        predicted = model.predict(validation[_INPUT])
        macro = float(
            f1_score(
                validation["label"],
                predicted,
                labels=list(LABELS),
                average="macro",
                zero_division=0,
            )
        )
        trials.append({"params": params, "validation_macro_f1": macro})
        say(
            f"{name} [{number}/{len(candidates)}] {_format_params(params)}: "
            f"validation macro-F1 {macro:.4f} ({time.perf_counter() - fit_started:.1f} s)"
        )
        if best is None or macro > best[0]:
            best = (macro, params, model)
    assert best is not None  # the candidate list is never empty
    best_macro, best_params, best_model = best
    say(f"{name}: selected {_format_params(best_params)} (validation macro-F1 {best_macro:.4f})")
    log = {
        "name": name,
        "selected": best_params,
        "trials": trials,
        "fit_seconds_all_trials": round(time.perf_counter() - started, 2),
        "train_items": len(train),
        "validation_items": len(validation),
        "seed": seed,
    }
    _compact_for_saving(best_model)
    return best_model, log


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _score_row(split: str, m: dict[str, Any]) -> str:
    macro = m["macro_f1_score"]
    return (
        f"| {split} | {macro['value']:.4f} [{macro['ci_low']:.4f}, {macro['ci_high']:.4f}] | "
        f"{m['deny_f1_score']['value']:.4f} | {m['accuracy_score']['value']:.4f} |"
    )


def _card(spec: BaselineSpec, log: dict[str, Any], val, test, files: list[str]) -> str:
    m_val, m_test = val.metrics, test.metrics
    trial_rows = "\n".join(
        f"| {', '.join(f'{k}={v}' for k, v in t['params'].items()) or '(none)'} | "
        f"{t['validation_macro_f1']:.4f} |"
        for t in log["trials"]
    )

    return f"""# Model card: `{spec.name}`

*Generated by `denialbench baselines train {spec.name} --seed {log["seed"]}`; do not edit.*

{spec.description}. Factory: `denialbench.baselines.make_{spec.name}`.

- Data: DenialBench corpus, train split ({log["train_items"]} items) for fitting,
  validation split ({log["validation_items"]} items) for selection. Test was not used
  for training or selection.
- Selected hyperparameters: `{log["selected"] or "none"}` (seed {log["seed"]}).
- Files: {", ".join(f"`{f}`" for f in files)}.

## Selection on validation (macro-F1)

| hyperparameters | validation macro-F1 |
|---|---|
{trial_rows}

## Scores from `denialbench evaluate` (1000 bootstrap resamples, seed 0)

| split | macro-F1 [95% CI] | deny F1 | accuracy |
|---|---|---|---|
{_score_row("validation", m_val)}
{_score_row("test", m_test)}
"""


def train_baselines(
    name: str,
    out: Path | str,
    *,
    seed: int = 0,
    progress: bool = False,
    learning_rates: list[float] | None = None,
    epochs: int | None = None,
    max_train_items: int | None = None,
    base_model: Path | str | None = None,
) -> Iterator[dict[str, Any]]:
    """Train ``name`` (or every shipped baseline for ``"all"``) into ``out``.

    Yields one summary per baseline as it is saved (``saved``: the file or
    folder). With ``progress``, one line per hyperparameter candidate and per
    step goes to stderr, and a fine-tuned model shows a progress bar.
    ``learning_rates``, ``epochs``, ``max_train_items`` and ``base_model``
    narrow the grid of a checkpoint-folder baseline (``cross_encoder``, see
    :func:`~denialbench.baselines._cross_encoder_training.train_cross_encoder`).
    """
    import skops.io as sio

    from denialbench.corpus import load
    from denialbench.corpus._io import atomic_write_text
    from denialbench.eval import evaluate

    if name == "all":
        names = [
            n
            for n, s in REGISTRY.items()
            if s.shipped and (not s.needs_embeddings or embeddings_available())
        ]
    elif name in REGISTRY:
        names = [name]
    else:
        raise InputError(f"unknown baseline {name!r}; choose from {', '.join(REGISTRY)} or 'all'")
    flag_values = {
        "--learning-rate": learning_rates or None,
        "--epochs": epochs,
        "--max-train-items": max_train_items,
        "--base-model": base_model,
    }
    given = [flag for flag, value in flag_values.items() if value is not None]
    plain = [n for n in names if REGISTRY[n].artifact != "folder"]
    if given and plain:
        flags = ", ".join(given)
        raise InputError(
            f"{flags}: only for the fine-tuned baselines "
            f"({', '.join(n for n, s in REGISTRY.items() if s.artifact == 'folder')}), not "
            f"{', '.join(plain)}"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames = load(as_pandas=True, splits=("train", "validation"))
    report = _to_stderr if progress else None
    for current in names:
        spec = REGISTRY[current]
        if spec.artifact == "folder":
            from denialbench.baselines._cross_encoder_training import train_cross_encoder

            summary = train_cross_encoder(
                out,
                seed=seed,
                frames=frames,
                progress=progress,
                report=report,
                learning_rates=learning_rates,
                epochs=epochs,
                max_train_items=max_train_items,
                base_model=base_model,
            )
            yield {**summary, "saved": summary["folder"]}
            continue
        model, log = fit_baseline(current, seed=seed, frames=frames, report=report)
        skops_path, pkl_path = out / f"{current}.skops", out / f"{current}.pkl"
        tmp = out / f".{current}.skops.tmp"
        sio.dump(model, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        tmp.replace(skops_path)
        atomic_bytes = pickle.dumps(model, protocol=5)
        tmp_pkl = out / f".{current}.pkl.tmp"
        tmp_pkl.write_bytes(atomic_bytes)
        tmp_pkl.replace(pkl_path)
        if report is not None:
            report(f"{current}: saved; scoring validation and test for the model card")
        val = evaluate(model, "validation")
        test = evaluate(model, "test")
        atomic_write_text(
            out / f"{current}.md", _card(spec, log, val, test, [skops_path.name, pkl_path.name])
        )
        yield {
            "name": current,
            "saved": str(skops_path),
            "skops": str(skops_path),
            "pkl": str(pkl_path),
            "validation_macro_f1": val.macro_f1,
            "test_macro_f1": test.macro_f1,
            "selected": log["selected"],
        }
