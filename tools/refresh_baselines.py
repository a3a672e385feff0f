"""Maintainers: retrain shipped baselines, replace their leaderboard entries, regenerate docs.

Run from the repository root after any corpus change, or after adding a
baseline to the registry::

    python tools/refresh_baselines.py               # every shipped baseline
    python tools/refresh_baselines.py pair_tfidf    # only the ones named
    python tools/refresh_baselines.py --no-retrain  # re-score the shipped files

``--no-retrain`` keeps the files of baselines/trained/ as they are and only
re-scores them: on ``test`` and, when DenialBench-Real is bundled, on
``real_test``, and stores both results in each baseline's entry.

Everything about a baseline (which ones are shipped, which need the
[embeddings] extra, which used data beyond the train split) comes from
``denialbench.baselines.REGISTRY``. Entries of other submitters and of
older corpus versions are left alone.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
from pathlib import Path

from denialbench import DenialBenchError, InputError
from denialbench._docs import update_docs
from denialbench.baselines import REGISTRY, embeddings_available, train_baselines
from denialbench.corpus._loading import read_bundled_split
from denialbench.eval import evaluate, leaderboard

TRAINED = Path("baselines/trained")
BOARD = Path("leaderboard")


def _real_test_bundled() -> bool:
    """Whether the package holds DenialBench-Real's test items (it ships empty until then)."""
    return bool(read_bundled_split("real_test"))


def refresh(names: list[str], date: str, *, retrain: bool = True) -> None:
    with_real = _real_test_bundled()
    if not with_real:
        print("real_test is empty: the entries get their test result only", file=sys.stderr)
    for name in names:
        spec = REGISTRY[name]
        if spec.needs_embeddings and not embeddings_available():
            print(f"{name}: skipped, needs pip install 'denialbench[embeddings]'", file=sys.stderr)
            continue
        if retrain:
            for _ in train_baselines(name, TRAINED, seed=0, progress=True):
                pass
        # the .pkl file, or the checkpoint folder of a fine-tuned baseline (cross_encoder)
        model = spec.model_path(TRAINED)
        if not retrain and not model.exists():
            raise InputError(f"{model}: missing; run without --no-retrain")
        with tempfile.TemporaryDirectory() as scratch:
            results = Path(scratch) / f"{name}.json"
            evaluate(model).save(results)
            real_results = None
            if with_real:
                real_results = Path(scratch) / f"{name}-real_test.json"
                evaluate(model, "real_test").save(real_results)
            meta = {
                "name": name,
                "authors": "DenialBench developers",
                "url": f"baselines/trained/{name}.md",
                "parameters": None,
                "extra_training_data": spec.extra_data,
                "test_unseen": True,
                "baseline": True,
                "date": date,
            }
            # replace=True swaps only this baseline's entry of the current corpus version;
            # `add` re-runs the shipped file to check the baseline mark
            path = leaderboard.add(results, meta, BOARD, replace=True, real_test=real_results)
            print(f"{name}: added {path}", file=sys.stderr)
    # other entries: bring figures of metrics or slices added since up to date
    leaderboard.rescore(BOARD)
    leaderboard.render_to(BOARD, "LEADERBOARD.md")
    changed = update_docs(".")
    print(f"regenerated: {', '.join(changed) or 'nothing changed'}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    shipped = [name for name, spec in REGISTRY.items() if spec.shipped]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"baselines to refresh (default: {shipped})")
    parser.add_argument("--date", default=datetime.date.today().isoformat(), help="entry date")
    parser.add_argument(
        "--no-retrain",
        dest="retrain",
        action="store_false",
        help="re-score the shipped files of baselines/trained/ (test and real_test) instead "
        "of retraining them",
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in shipped]
    if unknown:
        parser.error(f"not shipped baselines of the registry: {unknown}; choose from {shipped}")
    if not (BOARD.is_dir() and TRAINED.is_dir()):
        parser.error("run from the repository root")
    try:
        refresh(args.names or shipped, args.date, retrain=args.retrain)
    except DenialBenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
