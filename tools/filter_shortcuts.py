"""Run the shortcut filter over the story sources and freeze its result.

    python tools/filter_shortcuts.py [--floor 10300]

Reads every item of ``corpus/sources/stories`` (the ones an earlier run
filtered included), with its frozen split and its gold label where blind
labels settled one, runs :func:`denialbench.corpus._filtering.shortcut_filter`
and writes ``corpus/sources/filtered.json``. Then `denialbench corpus build`
leaves those items out. Run it once per corpus version, before the new
evaluation items are annotated (an item the filter drops needs no labels).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from denialbench.corpus._blind_labels import apply_blind_labels
from denialbench.corpus._build import FILTERED_FILE, SEED_ITEM, _assign_splits, read_all_items
from denialbench.corpus._filtering import FilterSettings, shortcut_filter
from denialbench.corpus._io import atomic_write_text

ROOT = Path(__file__).resolve().parent.parent / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--floor", type=int, default=10300, help="stop at this many items")
    args = parser.parse_args()
    records = read_all_items(ROOT)
    frozen = json.loads((ROOT / "sources" / "splits.json").read_text("utf-8"))
    _assign_splits(records, 13, frozen)
    apply_blind_labels(records, ROOT / "sources")
    result = shortcut_filter(
        records,
        FilterSettings(floor=args.floor),
        protected=frozenset([SEED_ITEM["id"]]),
        progress=lambda row: print(row, flush=True),
    )
    result["items_before"] = len(records)
    atomic_write_text(ROOT / "sources" / FILTERED_FILE, json.dumps(result, indent=1) + "\n")
    print(f"dropped {len(result['dropped'])} of {len(records)} items")


if __name__ == "__main__":
    main()
