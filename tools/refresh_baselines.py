"""Maintainers: retrain shipped baselines, replace their leaderboard entries, regenerate docs.

Run from the repository root after any corpus change, or after adding a
baseline to the registry::

    python tools/refresh_baselines.py               # every shipped baseline
    python tools/refresh_baselines.py pair_tfidf    # only the ones named

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

from denialbench import DenialBenchError
from denialbench._docs import update_docs
from denialbench.baselines import REGISTRY, embeddings_available, train_baselines
from denialbench.eval import evaluate, leaderboard

TRAINED = Path("baselines/trained")
BOARD = Path("leaderboard")


def refresh(names: list[str], date: str) -> None:
    for name in names:
        spec = REGISTRY[name]
        if spec.needs_embeddings and not embeddings_available():
            print(f"{name}: skipped, needs pip install 'denialbench[embeddings]'", file=sys.stderr)
            continue
        for _ in train_baselines(name, TRAINED, seed=0, progress=True):
            pass
        with tempfile.TemporaryDirectory() as scratch:
            results = Path(scratch) / f"{name}.json"
            evaluate(TRAINED / f"{name}.pkl").save(results)
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
            path = leaderboard.add(results, meta, BOARD, replace=True)
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
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in shipped]
    if unknown:
        parser.error(f"not shipped baselines of the registry: {unknown}; choose from {shipped}")
    if not (BOARD.is_dir() and TRAINED.is_dir()):
        parser.error("run from the repository root")
    try:
        refresh(args.names or shipped, args.date)
    except DenialBenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
