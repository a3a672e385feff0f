"""Synthetic-to-real transfer: baselines trained on each corpus, scored on both test sets.

`denialbench baselines transfer` trains three baselines (pair_tfidf, cue_rules,
response_only) with their shipped hyperparameters (the factory defaults, which
`baselines train` selected on validation; nothing is searched here) on three
training sets -- the synthetic ``train``, DenialBench-Real's ``real_train``,
and both concatenated -- and scores each on ``test`` and ``real_test``. The
record, with the SHA-256 of every split read, goes to
``corpus/real_transfer.json``; `denialbench docs` renders it in the dataset
card. On ``real_test`` the figures are the headline ones: the ambiguous items
(no 2/3 annotator majority) are left out, as `denialbench evaluate` does.
"""

from __future__ import annotations

import json
from datetime import date as _date
from pathlib import Path
from typing import Any

from denialbench._errors import InputError

__all__ = [
    "SCORED_SPLITS",
    "TRAINING_SETS",
    "TRANSFER_MODELS",
    "real_transfer_markdown",
    "real_transfer_text",
    "transfer_record",
    "write_transfer",
]

#: The baselines trained on each training set.
TRANSFER_MODELS = ("pair_tfidf", "cue_rules", "response_only")
#: Training set name -> the bundled splits it concatenates.
TRAINING_SETS: dict[str, tuple[str, ...]] = {
    "train": ("train",),
    "real_train": ("real_train",),
    "train + real_train": ("train", "real_train"),
}
#: The splits every trained model is scored on.
SCORED_SPLITS = ("test", "real_test")
RECORD_FILE = "real_transfer.json"


def _package_version() -> str:
    import denialbench

    return denialbench.__version__


def empty_real_splits() -> list[str]:
    """The real splits the transfer table needs that hold no item (bundled empty)."""
    from denialbench.corpus._loading import split_path

    needed = ("real_train", "real_test")
    return [
        s for s in needed if not split_path(s).is_file() or not split_path(s).read_bytes().strip()
    ]


def _training_frames(frames: dict[str, Any] | None) -> dict[str, Any]:
    """``{"train": DataFrame, "real_train": DataFrame}`` with id, claim, response, label."""
    if frames is not None:
        return frames
    from denialbench.corpus import load

    synthetic = load(as_pandas=True, splits=("train",))
    real = load(config="real", as_pandas=True, splits=("real_train",))
    return {"train": synthetic["train"], "real_train": real["real_train"]}


def _scores(result: Any) -> dict[str, Any]:
    m = result.metrics
    macro = m["macro_f1_score"]
    data = result.scores["data"]
    return {
        "macro_f1": {k: macro[k] for k in ("value", "ci_low", "ci_high")},
        "deny_f1": m["deny_f1_score"]["value"],
        "n_items": data.get("n_headline_items", data["n_items"]),
    }


def transfer_record(
    *,
    seed: int = 0,
    n_bootstrap: int = 1000,
    models: tuple[str, ...] = TRANSFER_MODELS,
    frames: dict[str, Any] | None = None,
    today: str | None = None,
) -> dict[str, Any]:
    """Train every model on every training set and score it on every scored split.

    Parameters
    ----------
    seed : int
        Seed of the seeded baselines and of the bootstrap.
    n_bootstrap : int
        Bootstrap resamples of the confidence intervals.
    models : tuple of str
        Baselines of :data:`~denialbench.baselines.REGISTRY` to train.
    frames : dict, optional
        ``{"train": DataFrame, "real_train": DataFrame}`` to train on instead
        of the bundled splits (the tests pass small ones).
    today : str, optional
        The date recorded (default: today).

    Raises
    ------
    InputError
        A real split is empty: DenialBench-Real's data is not bundled yet.
    """
    import pandas as pd

    from denialbench.baselines._registry import REGISTRY
    from denialbench.corpus._loading import split_sha256
    from denialbench.corpus._version import CORPUS_VERSION
    from denialbench.eval import evaluate

    empty = empty_real_splits()
    if empty:
        raise InputError(
            f"the bundled {', '.join(empty)} split(s) are empty: DenialBench-Real's annotated "
            "data is not in this package yet; add it (`denialbench corpus real build`) and "
            "run this again"
        )
    unknown = [m for m in models if m not in REGISTRY]
    if unknown:
        raise InputError(f"unknown baseline(s) {unknown}; choose from {list(REGISTRY)}")
    frames = _training_frames(frames)
    columns = ["id", "claim", "response"]
    scores: dict[str, Any] = {}
    for name in models:
        spec = REGISTRY[name]
        scores[name] = {}
        for set_name, parts in TRAINING_SETS.items():
            train = pd.concat([frames[p] for p in parts], ignore_index=True)
            model = spec.factory(seed=seed) if spec.seeded else spec.factory()
            model.fit(train[columns], train["label"])
            scores[name][set_name] = {
                split: _scores(evaluate(model, split, n_bootstrap=n_bootstrap, seed=seed))
                for split in SCORED_SPLITS
            }
    read = ("train", "real_train", *SCORED_SPLITS)
    return {
        "date": today or _date.today().isoformat(),
        "denialbench_version": _package_version(),
        "corpus_version": CORPUS_VERSION,
        "seed": seed,
        "n_bootstrap": n_bootstrap,
        "training_sets": {k: list(v) for k, v in TRAINING_SETS.items()},
        "training_sizes": {p: len(frames[p]) for p in ("train", "real_train")},
        "sha256": {split: split_sha256(split) for split in read},
        "scores": scores,
    }


def write_transfer(record: dict[str, Any], corpus_dir: Path | str = "corpus") -> Path:
    """Write ``record`` to ``<corpus_dir>/real_transfer.json``; return the path."""
    from denialbench.corpus._io import atomic_write_text

    path = Path(corpus_dir) / RECORD_FILE
    atomic_write_text(path, json.dumps(record, indent=1) + "\n")
    return path


def _ci(m: dict[str, float]) -> str:
    return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


def real_transfer_markdown(record: dict[str, Any] | None) -> str:
    """The dataset card's transfer table for ``record`` (None: not computed yet)."""
    if record is None:
        return (
            "Transfer table not computed yet: it needs DenialBench-Real's annotated data; run "
            "`denialbench baselines transfer` and then `denialbench docs`.\n"
        )
    sizes = record["training_sizes"]
    lines = [
        f"Computed on {record['date']} by `denialbench baselines transfer` (package "
        f"{record['denialbench_version']}, seed {record['seed']}, {record['n_bootstrap']} "
        f"bootstrap resamples) with the shipped hyperparameters of each baseline; "
        f"{sizes['train']} synthetic and {sizes['real_train']} real training items. "
        "real_test leaves out the ambiguous items. Brackets: 95% bootstrap CI.",
        "",
        "| baseline | trained on | test macro-F1 [95% CI] | test deny F1 | "
        "real_test macro-F1 [95% CI] | real_test deny F1 |",
        "|---|---|---|---:|---|---:|",
    ]
    for name, by_set in record["scores"].items():
        for set_name, by_split in by_set.items():
            test, real = by_split["test"], by_split["real_test"]
            lines.append(
                f"| {name} | {set_name} | {_ci(test['macro_f1'])} | {test['deny_f1']:.3f} | "
                f"{_ci(real['macro_f1'])} | {real['deny_f1']:.3f} |"
            )
    lines += ["", "| split | SHA-256 |", "|---|---|"]
    lines += [f"| {split} | `{sha[:16]}` |" for split, sha in record["sha256"].items()]
    return "\n".join(lines) + "\n"


def real_transfer_text(root: Path) -> str:
    """The generated ``real_transfer`` block of corpus/README.md."""
    path = Path(root) / "corpus" / RECORD_FILE
    record = json.loads(path.read_text("utf-8")) if path.exists() else None
    return real_transfer_markdown(record)
