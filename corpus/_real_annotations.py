"""Aggregating the blind annotators' labels of the real items.

Each line of ``sources/real/annotations/*.jsonl`` is one annotator's label of
one item: ``{"id", "annotator", "label", "subtype"}``. Per item the package
keeps the label counts (shipped as ``annotations``), takes the majority as
gold, and marks the item ``ambiguous`` when no label has at least two thirds
of the votes (2 of 3, 3 of 4); ambiguous items stay in the files but leave the
headline score (their ``label`` is the most frequent one, ties going to the
earlier label of ``LABELS``). ``sources/real/adjudication.jsonl`` (optional, one line per
item: ``{"id", "label", "subtype", "reason"}``) overrides the gold label.
Agreement is Fleiss' kappa over the items with at least two annotations.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from denialbench._errors import InputError
from denialbench.corpus._io import iter_jsonl
from denialbench.corpus._schema import LABELS, SUBTYPES

__all__ = [
    "MAJORITY_SHARE",
    "MIN_ANNOTATORS",
    "Gold",
    "fleiss_kappa",
    "gold_labels",
    "read_adjudication",
    "read_annotations",
]

#: Fewer annotations than this and the item waits (it is not built).
MIN_ANNOTATORS = 3
#: The share of votes the top label needs for the item not to be ambiguous.
MAJORITY_SHARE = 2 / 3


def _check_label(obj: dict[str, Any], where: str) -> list[str]:
    label, subtype = obj.get("label"), obj.get("subtype")
    if label not in LABELS:
        return [f"{where}: 'label' must be one of {list(LABELS)} (got {label!r})"]
    allowed = SUBTYPES[label]
    if subtype is not None and subtype not in allowed:
        shown: list[str | None] = [*allowed] or [None]
        return [
            f"{where}: 'subtype' must be one of {shown} or null for {label!r} (got {subtype!r})"
        ]
    return []


def read_annotations(
    folder: Path, item_ids: set[str]
) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Every annotation by item id, and the problems found (file:line: id: what)."""
    by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        try:
            rows = list(iter_jsonl(path))
        except InputError as exc:
            problems.append(str(exc))
            continue
        for number, obj in rows:
            where = f"{path}:{number}"
            item_id, annotator = obj.get("id"), obj.get("annotator")
            if item_id not in item_ids:
                problems.append(f"{where}: id {item_id!r} is not an item of items.jsonl")
                continue
            if not isinstance(annotator, str) or not annotator:
                problems.append(f"{where}: {item_id}: 'annotator' must be a non-empty string")
                continue
            found = _check_label(obj, f"{where}: {item_id}")
            if found:
                problems += found
                continue
            key = (item_id, annotator)
            if key in seen:
                problems.append(
                    f"{where}: {item_id}: annotator {annotator!r} again (first at {seen[key]})"
                )
                continue
            seen[key] = where
            by_item[item_id].append(obj)
    return dict(by_item), problems


def read_adjudication(
    path: Path, item_ids: set[str]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The adjudicated labels by id (an absent file is no adjudication)."""
    fixes: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    if not path.exists():
        return fixes, problems
    for number, obj in iter_jsonl(path):
        where = f"{path}:{number}"
        item_id = obj.get("id")
        if item_id not in item_ids:
            problems.append(f"{where}: id {item_id!r} is not an item of items.jsonl")
            continue
        found = _check_label(obj, f"{where}: {item_id}")
        reason = obj.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            found.append(f"{where}: {item_id}: 'reason' must say why the label is overridden")
        if found:
            problems += found
            continue
        fixes[item_id] = obj
    return fixes, problems


@dataclass(frozen=True)
class Gold:
    """An item's aggregated annotation."""

    counts: dict[str, int]
    label: str
    subtype: str | None
    ambiguous: bool
    adjudication: str | None


def _top(counter: Counter[Any], order: tuple[Any, ...]) -> Any:
    """The most frequent key; ties go to the earlier key of ``order``."""
    return max(counter, key=lambda k: (counter[k], -order.index(k)))


def gold_labels(
    annotations: dict[str, list[dict[str, Any]]], adjudication: dict[str, dict[str, Any]]
) -> dict[str, Gold]:
    """Gold of each item with at least :data:`MIN_ANNOTATORS` annotations."""
    gold = {}
    for item_id, rows in annotations.items():
        if len(rows) < MIN_ANNOTATORS:
            continue
        votes = Counter(r["label"] for r in rows)
        top = _top(votes, LABELS)
        share = votes[top] / len(rows)
        ambiguous = share < MAJORITY_SHARE or sum(v == votes[top] for v in votes.values()) > 1
        label, subtype, reason = top, None, None
        fix = adjudication.get(item_id)
        if fix is not None:
            label, reason = fix["label"], fix["reason"].strip()
            subtype = fix.get("subtype")
        else:
            subtypes = Counter(r.get("subtype") for r in rows if r["label"] == label)
            subtypes.pop(None, None)
            if subtypes and SUBTYPES[label]:
                subtype = _top(subtypes, SUBTYPES[label])
        # every label gets a count, 0 included: one shape for load() and datasets
        counts = {name: votes[name] for name in LABELS}
        gold[item_id] = Gold(counts, label, subtype, ambiguous, reason)
    return gold


def fleiss_kappa(count_rows: list[dict[str, int]]) -> float | None:
    """Fleiss' kappa of label counts per item (items may have different totals).

    Items with fewer than two ratings are left out; ``None`` when nothing is left
    or the expected agreement is 1 (a single label used throughout).
    """
    rows = [r for r in count_rows if sum(r.values()) >= 2]
    if not rows:
        return None
    totals = Counter[str]()
    observed = 0.0
    n_ratings = 0
    for row in rows:
        n = sum(row.values())
        observed += sum(c * (c - 1) for c in row.values()) / (n * (n - 1))
        totals.update(row)
        n_ratings += n
    p_observed = observed / len(rows)
    p_expected = sum((c / n_ratings) ** 2 for c in totals.values())
    if p_expected >= 1.0:
        return None
    return (p_observed - p_expected) / (1.0 - p_expected)
