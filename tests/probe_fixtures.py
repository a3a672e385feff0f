"""Small synthetic corpora for the shortcut probes and writing checks.

Each story (group) has one item per label; texts are drawn from a seeded
vocabulary so that, unless a test plants one, no frame, name or id gives the
label away.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

SUBTYPE = {"deny": "explicit", "confirm": "explicit", "evade": "no_comment", "unrelated": None}
LABELS = ("deny", "confirm", "evade", "unrelated")
_WORDS = [
    "harbour",
    "budget",
    "council",
    "ferry",
    "tariff",
    "vote",
    "audit",
    "bridge",
    "clinic",
    "festival",
    "merger",
    "pension",
    "strike",
    "museum",
    "contract",
    "fleet",
    "reservoir",
    "library",
    "stadium",
    "subsidy",
    "licence",
    "rally",
    "verdict",
    "wage",
    "vaccine",
    "orchard",
    "railway",
    "quarry",
    "lottery",
    "charter",
    "census",
    "drought",
    "tunnel",
    "patent",
]


def _sentence(rng: random.Random, words: int = 8) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def make_records(
    groups: int = 24,
    seed: int = 0,
    item_id: Callable[[int, int, str], str] | None = None,
    edit: Callable[[dict[str, Any], random.Random], None] | None = None,
) -> list[dict[str, Any]]:
    """``groups`` stories of four items; ``item_id(group, position, label)`` and
    ``edit(record, rng)`` plant a shortcut."""
    rng = random.Random(seed)
    records = []
    for g in range(groups):
        labels = list(LABELS)
        rng.shuffle(labels)  # the position in the story says nothing about the label
        for position, label in enumerate(labels):
            record = {
                "id": item_id(g, position, label) if item_id else f"story-{g:03d}-{position:02d}",
                "group": f"story-{g:03d}",
                "claim": _sentence(rng),
                "claim_source": "the gazette",
                "response": _sentence(rng),
                "speaker": "a spokesperson",
                "label": label,
                "subtype": SUBTYPE[label],
                "tags": [],
                "domain": "politics",
                "style": "wire",
                "split": "train",
            }
            if edit:
                edit(record, rng)
            records.append(record)
    return records


def write_corpus(directory: Path, records: list[dict[str, Any]]) -> Path:
    """Write train (first 60%), validation (10%) and test (30%) by story."""
    directory.mkdir(parents=True, exist_ok=True)
    groups = sorted({r["group"] for r in records})
    cut_val, cut_test = int(len(groups) * 0.6), int(len(groups) * 0.7)
    split_of = {
        g: "train" if i < cut_val else "validation" if i < cut_test else "test"
        for i, g in enumerate(groups)
    }
    for split in ("train", "validation", "test"):
        lines = [
            json.dumps({**r, "split": split}) for r in records if split_of[r["group"]] == split
        ]
        (directory / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory
