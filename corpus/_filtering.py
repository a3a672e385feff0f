"""Adversarial filtering: drop the items that surface numbers alone get right.

A model of the 14 surface numbers of :mod:`denialbench.corpus._surface`
(lengths, overlap, question marks, digits, first-person and cue words), which
cannot read, should not predict the label. Where the writing still lets it,
this filter removes the items it finds easiest, in the manner of AFLite (Le
Bras et al., 2020, "Adversarial Filters of Dataset Biases"):

1. split the kept items into two halves by story, many times over; fit the
   model on one half and predict the other;
2. an item's *predictability* is the share of those predictions that were
   right; drop a slice of the most predictable items, in every split and
   label in step, so split sizes and label shares stay where they were;
3. repeat until the corpus is down to its size floor, or too few items are
   predictable at the threshold to fill half a round.

The dropped ids are frozen in ``sources/filtered.json`` (written by
``tools/filter_shortcuts.py``), so a rebuild never re-runs the filter and
adding stories never moves an old item in or out. The dropped pairs stay in
the story sources. Because the filter uses the shallow-feature probe's own
inputs, that probe's figure after filtering is low partly by construction;
the card says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FilterSettings", "filter_markdown", "shortcut_filter"]


# Inside the quotas' bounds (deny 35-45%, confirm 15-25%, evade 20-30%,
# unrelated 10-20%) with room on the sides where the corpus sits close.
_SHARES = {"deny": 0.395, "confirm": 0.195, "evade": 0.215, "unrelated": 0.195}


@dataclass(frozen=True)
class FilterSettings:
    """How hard the filter works, recorded beside its result."""

    #: stop once this many items are left
    floor: int
    #: label shares to steer each split toward as items leave
    label_shares: Mapping[str, float] = field(
        default_factory=lambda: {
            "deny": 0.395,
            "confirm": 0.195,
            "evade": 0.215,
            "unrelated": 0.195,
        }
    )
    #: items dropped per round, over all splits
    per_round: int = 300
    #: random halvings per round
    partitions: int = 8
    #: an item is a candidate when at least this share of its predictions are right
    threshold: float = 0.625
    seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "floor": self.floor,
            "label_shares": dict(self.label_shares),
            "per_round": self.per_round,
            "partitions": self.partitions,
            "threshold": self.threshold,
            "seed": self.seed,
        }


def _predictability(
    features: np.ndarray, labels: np.ndarray, groups: np.ndarray, rng: np.random.Generator, n: int
) -> np.ndarray:
    """Share of right held-out predictions per item over ``n`` halvings by story."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    right = np.zeros(len(labels))
    seen = np.zeros(len(labels))
    stories = np.unique(groups)
    for _ in range(n):
        first_half = set(rng.permutation(stories)[: len(stories) // 2])
        fit = np.fromiter((g in first_half for g in groups), bool, len(groups))
        for train, held_out in ((fit, ~fit), (~fit, fit)):
            model = HistGradientBoostingClassifier(random_state=int(rng.integers(2**31)))
            model.fit(features[train], labels[train])
            right[held_out] += model.predict(features[held_out]) == labels[held_out]
            seen[held_out] += 1
    return right / np.maximum(seen, 1)


def _round_quotas(
    cells: Counter[tuple[str, str]], drop: int, settings: FilterSettings
) -> dict[tuple[str, str], int]:
    """How many to drop per (split, label) this round: splits in proportion to
    their size, labels so that each split's shares move toward ``label_shares``."""
    sizes: Counter[str] = Counter()
    for (split, _), k in cells.items():
        sizes[split] += k
    total = sum(sizes.values())
    quotas = {}
    for split, size in sizes.items():
        left = size - round(drop * size / total)
        for label, share in settings.label_shares.items():
            quotas[(split, label)] = max(0, cells[(split, label)] - round(share * left))
    wanted = sum(quotas.values())
    if wanted > drop:  # steering the shares must not speed the filter up
        quotas = {cell: quota * drop // wanted for cell, quota in quotas.items()}
    return quotas


def shortcut_filter(
    records: Sequence[Mapping[str, Any]],
    settings: FilterSettings,
    *,
    protected: frozenset[str] = frozenset(),
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run the filter over ``records`` (with id, group, split, label, claim,
    response); returns ``{"dropped": [{"id", "round", "predictability"}],
    "rounds": [...], "settings": {...}}``. Ids in ``protected`` always stay."""
    from denialbench.corpus._surface import shallow_features

    features = shallow_features([r["claim"] for r in records], [r["response"] for r in records])
    labels = np.array([r["label"] for r in records])
    groups = np.array([r["group"] for r in records])
    splits = np.array([r["split"] for r in records])
    ids = [r["id"] for r in records]
    alive = np.ones(len(records), dtype=bool)
    rng = np.random.default_rng(settings.seed)
    dropped: list[dict[str, Any]] = []
    rounds: list[dict[str, Any]] = []
    while alive.sum() > settings.floor:
        index = np.flatnonzero(alive)
        scores = np.zeros(len(records))
        scores[index] = _predictability(
            features[index], labels[index], groups[index], rng, settings.partitions
        )
        cells = Counter(zip(splits[index], labels[index], strict=True))
        drop = min(settings.per_round, int(alive.sum()) - settings.floor)
        quotas = _round_quotas(cells, drop, settings)
        this_round = []
        for (split, label), quota in sorted(quotas.items()):
            cell = [
                i
                for i in index
                if splits[i] == split
                and labels[i] == label
                and ids[i] not in protected
                and scores[i] >= settings.threshold
            ]
            # most predictable first; the id breaks ties so the order is fixed
            cell.sort(key=lambda i: (-scores[i], ids[i]))
            this_round.extend(cell[:quota])
        if not this_round:
            break
        for i in this_round:
            alive[i] = False
            dropped.append(
                {"id": ids[i], "round": len(rounds) + 1, "predictability": round(scores[i], 3)}
            )
        rounds.append(
            {
                "round": len(rounds) + 1,
                "dropped": len(this_round),
                "left": int(alive.sum()),
                "mean_predictability": round(float(scores[index].mean()), 3),
            }
        )
        if progress is not None:
            progress(rounds[-1])
        # as in AFLite: stop once too few items are predictable to fill a round
        if len(this_round) < drop // 2:
            break
    return {"settings": settings.as_dict(), "rounds": rounds, "dropped": dropped}


def filter_markdown(corpus_dir: Path) -> str:
    """The card's account of the sources and the filter, from the files themselves:
    the story sources, ``sources/filtered.json``, ``sources/splits.json`` and the
    archived 2.0.0 splits (to tell the stories this version added)."""
    import json

    from denialbench.corpus._build import FILTERED_FILE, read_all_items
    from denialbench.corpus._io import iter_jsonl
    from denialbench.corpus._schema import LABELS

    path = corpus_dir / "sources" / FILTERED_FILE
    if not path.exists():
        return "No shortcut filter has been run.\n"
    record = json.loads(path.read_text("utf-8"))
    dropped = {row["id"] for row in record["dropped"]}
    split_of = json.loads((corpus_dir / "sources" / "splits.json").read_text("utf-8"))
    items = read_all_items(corpus_dir)
    old_groups = {
        row["group"]
        for split in ("train", "validation", "test")
        for _, row in iter_jsonl(corpus_dir / "data" / "v2.0.0" / f"{split}.jsonl")
    }
    new = [r for r in items if r["group"] not in old_groups]
    lines = [
        "| | groups | items |",
        "|---|---:|---:|",
        f"| in the sources | {len({r['group'] for r in items})} | {len(items)} |",
        f"| of them added in 2.1.0 (rival stories) | {len({r['group'] for r in new})} "
        f"| {len(new)} |",
        f"| dropped by the shortcut filter | | {len(dropped)} |",
        f"| in the split files | | {len(items) - len(dropped)} |",
        "",
        "**Dropped by the filter, by split and label (the writers' labels)**",
        "",
        "| split | " + " | ".join(LABELS) + " | dropped | of them 2.0.0 items | kept |",
        "|---|" + "---:|" * (len(LABELS) + 3),
    ]
    for split in ("train", "validation", "test"):
        here = [r for r in items if split_of.get(r["group"]) == split]
        gone = [r for r in here if r["id"] in dropped]
        counts = [sum(r["label"] == label for r in gone) for label in LABELS]
        old = sum(r["group"] in old_groups for r in gone)
        lines.append(
            f"| {split} | " + " | ".join(map(str, counts)) + f" | {len(gone)} | {old} "
            f"| {len(here) - len(gone)} |"
        )
    new_ids = {r["id"] for r in new}
    new_gone = len(dropped & new_ids)
    old_count = len(items) - len(new)
    lines += [
        "",
        f"Share of items dropped: {(len(dropped) - new_gone) / max(old_count, 1):.1%} of the "
        f"2.0.0 stories' items, {new_gone / max(len(new), 1):.1%} of the rival stories' items.",
    ]
    settings = record["settings"]
    lines += [
        "",
        f"Settings: {settings['partitions']} halvings by story per round, an item is a "
        f"candidate when at least {settings['threshold']:.3f} of its held-out predictions "
        f"are right, {settings['per_round']} items per round, floor {settings['floor']}; "
        f"{len(record['rounds'])} rounds ran (the last dropped "
        f"{record['rounds'][-1]['dropped'] if record['rounds'] else 0}).",
    ]
    return "\n".join(lines) + "\n"
