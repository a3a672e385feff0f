"""Three blind labels per evaluation item, and the gold label they lead to.

Since 2.0.0 every validation and test item is labelled by at least three
annotator instances that did not write it and saw only GUIDELINES.md and the
texts, in random order. Their labels live in
``sources/annotations/*.jsonl`` (``{"id", "annotator", "label", "subtype"}``,
the same format as the real split's), and shape each item as follows:

- ``annotations`` holds the label counts;
- when no label wins two thirds of the votes, the item is ``ambiguous``: it
  stays in the file, in the ``ambiguous`` slice, but leaves the headline score;
- when a clear majority agrees with the writer's label, that is gold;
- when a clear majority picks another label, ``sources/adjudication.jsonl``
  must settle it (``{"id", "label", "subtype", "reason"}``): gold becomes the
  adjudicated label, and an adjudicator who keeps the writer's label against
  the majority leaves the item contested, so ``ambiguous`` too.

Each annotator's macro-F1 against gold and Fleiss' kappa are the reference
row of the card and the leaderboard: how well careful model annotators do.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError
from denialbench.corpus._real_annotations import (
    MAJORITY_SHARE,
    MIN_ANNOTATORS,
    fleiss_kappa,
    read_adjudication,
    read_annotations,
)
from denialbench.corpus._schema import LABELS

__all__ = [
    "BLIND_SPLITS",
    "annotator_agreement",
    "annotator_reference",
    "apply_blind_labels",
    "bundled_agreement",
]

#: The splits whose items each get three blind labels.
BLIND_SPLITS = ("validation", "test")


def _clear_winner(counts: Counter[str]) -> str | None:
    total = sum(counts.values())
    ranked = counts.most_common()
    if not ranked or ranked[0][1] / total < MAJORITY_SHARE:
        return None
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    return ranked[0][0]


def apply_blind_labels(
    records: list[dict[str, Any]], sources: Path, *, withdrawn: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Set ``annotations``, ``ambiguous`` and the adjudicated gold of ``records``.

    ``withdrawn`` are ids the sources hold but the build leaves out (the
    shortcut filter's, ``sources/filtered.json``): their blind labels and
    adjudications stay in the sources, unused, rather than being errors.

    Records of :data:`BLIND_SPLITS` with fewer than three labels get
    ``annotations: None`` (``corpus validate`` reports them). Raises
    :class:`InputError` for a malformed annotation file or an unresolved
    disagreement, naming the file, line or item and what to add.
    """
    ids = {r["id"] for r in records} | withdrawn
    annotations, problems = read_annotations(sources / "annotations", ids)
    fixes, more = read_adjudication(sources / "adjudication.jsonl", ids)
    problems += more
    if problems:
        raise InputError(problems[0] + f" ({len(problems)} problem(s) in the blind labels)")
    unresolved = []
    summary: Counter[str] = Counter()
    for record in records:
        rows = annotations.get(record["id"], [])
        record["annotations"] = None
        record["ambiguous"] = False
        if record["split"] not in BLIND_SPLITS or len(rows) < MIN_ANNOTATORS:
            if rows and record["split"] not in BLIND_SPLITS:
                raise InputError(
                    f"{sources / 'annotations'}: item {record['id']} of {record['split']} has "
                    "blind labels; only validation and test items are annotated"
                )
            continue
        votes = Counter(r["label"] for r in rows)
        record["annotations"] = {name: votes[name] for name in LABELS}
        winner = _clear_winner(votes)
        fix = fixes.get(record["id"])
        if winner is None:
            record["ambiguous"] = True
            summary["no_majority"] += 1
        elif winner != record["label"]:
            if fix is None:
                unresolved.append(f"{record['id']} (writer {record['label']}, majority {winner})")
                continue
            record["ambiguous"] = fix["label"] != winner
            summary["adjudicated"] += 1
        if fix is not None:
            record["label"], record["subtype"] = fix["label"], fix.get("subtype")
            if record["label"] == "unrelated":
                record["subtype"] = None
    if unresolved:
        raise InputError(
            f"{len(unresolved)} item(s) whose blind majority differs from the writer's label "
            f"need a line in {sources / 'adjudication.jsonl'}: " + ", ".join(unresolved[:10])
        )
    summary["ambiguous"] = sum(bool(r["ambiguous"]) for r in records)
    return dict(summary)


def annotator_agreement(records: list[dict[str, Any]], sources: Path) -> dict[str, Any]:
    """Fleiss' kappa per split, and each annotator's macro-F1 against gold.

    Scored on the items each annotator labelled, ambiguous ones left out as in
    the headline score. Returns ``{"splits": {split: {...}}, "annotators": [...]}``.
    """
    from denialbench.corpus._probes import _macro_f1  # pandas: only when agreement is made

    by_id = {r["id"]: r for r in records if r.get("annotations")}
    annotations, _ = read_annotations(sources / "annotations", set(by_id))
    splits = {}
    for split in BLIND_SPLITS:
        rows = [r for r in by_id.values() if r["split"] == split]
        kappa = fleiss_kappa([r["annotations"] for r in rows])
        splits[split] = {
            "items": len(rows),
            "ambiguous": sum(bool(r["ambiguous"]) for r in rows),
            "fleiss_kappa": kappa,
        }
    per_annotator: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for item_id, rows in annotations.items():
        record = by_id[item_id]
        if record["ambiguous"]:
            continue
        for row in rows:
            cell = per_annotator[row["annotator"]][record["split"]]
            cell.append((record["label"], row["label"]))
    annotators = []
    for name, cells in sorted(per_annotator.items()):
        entry: dict[str, Any] = {"annotator": name}
        for split, pairs in cells.items():
            gold, said = zip(*pairs, strict=True)
            entry[split] = {
                "items": len(pairs),
                # the harness's own metric, as a model would be scored
                "macro_f1": _macro_f1(list(gold), np.array(said)),
                "accuracy": float(np.mean([g == s for g, s in pairs])),
            }
        annotators.append(entry)
    return {"splits": splits, "annotators": annotators}


def bundled_agreement() -> dict[str, Any] | None:
    """The agreement figures `corpus build` wrote (agreement/blind_labels.json), if any."""
    import json
    from importlib import resources

    path = Path(str(resources.files("denialbench.corpus") / "agreement" / "blind_labels.json"))
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def annotator_reference(agreement: dict[str, Any], split: str = "test") -> dict[str, Any] | None:
    """The reference row: the model annotators' macro-F1 against gold on ``split``.

    Returns the number of annotator instances, the mean, lowest and highest
    macro-F1 (each over the clear items that annotator labelled), and Fleiss'
    kappa; None when nobody labelled ``split``.
    """
    scores = [a[split]["macro_f1"] for a in agreement["annotators"] if split in a]
    if not scores:
        return None
    return {
        "annotators": len(scores),
        "mean_macro_f1": float(np.mean(scores)),
        "min_macro_f1": float(min(scores)),
        "max_macro_f1": float(max(scores)),
        "fleiss_kappa": agreement["splits"][split]["fleiss_kappa"],
        "items": agreement["splits"][split]["items"],
    }
