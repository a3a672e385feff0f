"""`corpus build`: from the writers' source files to the versioned split files.

The pipeline is deterministic: the same sources, adjudication file and seed
give byte-identical split files. Steps:

1. read ``sources/*.jsonl`` (one file per domain, as written) and the real
   seed item;
2. apply the adjudicated label fixes of the agreement study;
3. give ids (``<group>-<nn>``) and the computed tags;
4. join groups whose claims or responses are near-duplicates into one unit,
   so that no near-duplicate can straddle two splits;
5. keep every group's split from ``sources/splits.json`` (a released group
   never moves, so results and the agreement sample stay comparable), and
   assign new units greedily, balancing domain x label cells;
6. write the split files, checksums.json and splits.json atomically.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from denialbench._errors import InputError
from denialbench.corpus._io import atomic_write_text, iter_jsonl, sha256_file, write_jsonl
from denialbench.corpus._measures import computed_tags
from denialbench.corpus._quotas import QUOTAS
from denialbench.corpus._schema import COMPUTED_TAGS, SPLITS, check_record
from denialbench.corpus._text import char_ngram_jaccard_pairs
from denialbench.corpus._version import CORPUS_VERSION

__all__ = ["SEED_ITEM", "SPLIT_TARGETS", "build"]

SPLIT_TARGETS = {"train": 0.59, "validation": 0.11, "test": 0.30}

#: The one real item: TRT World, 2024-11-11, quoted with its source.
SEED_ITEM: dict[str, Any] = {
    "group": "seed-trt-2024-11-11",
    "claim": (
        "The Washington Post reported, citing anonymous sources, that Vladimir Putin and "
        "Donald Trump held a phone conversation in which Trump told the Russian president "
        "not to escalate the war in Ukraine."
    ),
    "claim_source": "The Washington Post",
    "response": "There was no conversation. This is completely untrue, it is pure fiction.",
    "speaker": "Kremlin spokesman Dmitry Peskov",
    "label": "deny",
    "subtype": "explicit",
    "tags": [],
    "domain": "international",
    "style": "press_conference",
    "source": (
        "TRT World, 'Russia denies Putin-Trump call took place, dubs it \"pure fiction\"', "
        "2024-11-11 (quoted verbatim; the only item not written by the project)"
    ),
}

# Tags implied by a subtype, kept in step so slices by tag are complete.
_SUBTYPE_TAGS = {"partial": "partial", "counter_claim": "counter_claim", "hedge": "hedge"}


def _read_sources(root: Path) -> list[dict[str, Any]]:
    files = sorted((root / "sources").glob("*.jsonl"))
    if not files:
        raise InputError(
            f"{root / 'sources'}: no source files; `corpus build` runs from a checkout"
        )
    rows = [dict(SEED_ITEM, _where="seed")]
    for path in files:
        for number, obj in iter_jsonl(path):
            obj["_where"] = f"{path}:{number}"
            rows.append(obj)
    return rows


def _read_adjudication(root: Path) -> dict[str, dict[str, Any]]:
    path = root / "agreement" / "adjudication.jsonl"
    if not path.exists():
        return {}
    fixes = {}
    for _, row in iter_jsonl(path):
        if row.get("gold_was_wrong"):
            fixes[row["id"]] = row
    return fixes


def _finish_records(rows) -> list[dict[str, Any]]:
    per_group: Counter[str] = Counter()
    records = []
    for row in rows:
        where = row.pop("_where")
        group = row["group"]
        per_group[group] += 1
        rid = group if group == SEED_ITEM["group"] else f"{group}-{per_group[group]:02d}"
        record = {"id": rid, **row, "split": "train", "_where": where}
        record.setdefault("source_url", None)
        record.setdefault("source", None)
        records.append(record)
    return records


def _apply_fixes_and_tags(records, fixes) -> None:
    """Adjudicated labels, then the derived tags; every record is schema-checked."""
    for record in records:
        where = record.pop("_where")
        fix = fixes.get(record["id"])
        if fix is not None:
            record["label"], record["subtype"] = fix["final_label"], fix["final_subtype"]
        tags = set(record.get("tags") or []) - COMPUTED_TAGS
        if fix is not None:  # the writer's subtype tags described the old subtype
            tags -= set(_SUBTYPE_TAGS.values())
        if record["subtype"] in _SUBTYPE_TAGS and record["label"] in ("deny", "evade"):
            tags.add(_SUBTYPE_TAGS[record["subtype"]])
        tags |= computed_tags(record)
        record["tags"] = sorted(tags)
        check_record(record, where)


def _units(records) -> list[list[str]]:
    """Groups joined when any claim or response is a near-duplicate."""
    parent = {r["group"]: r["group"] for r in records}

    def find(g):
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    for field in ("claim", "response"):
        pairs = char_ngram_jaccard_pairs(
            [r[field] for r in records], threshold=QUOTAS["near_duplicate_jaccard"]
        )
        for i, j, _ in pairs:
            a, b = find(records[i]["group"]), find(records[j]["group"])
            if a != b:
                parent[a] = b
    units: dict[str, list[str]] = defaultdict(list)
    for group in parent:
        units[find(group)].append(group)
    return sorted(sorted(u) for u in units.values())


def _assign_splits(records, seed: int, frozen: dict[str, str]) -> None:
    cells_of_group: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        cells_of_group[r["group"]][(r["domain"], r["label"])] += 1
    units = _units(records)
    split_of_group: dict[str, str] = {}
    filled: dict[str, Counter[tuple[str, str]]] = {s: Counter() for s in SPLITS}
    sizes: Counter[str] = Counter()
    new_units = []
    for unit in units:
        kept = {frozen[g] for g in unit if g in frozen}
        if len(kept) > 1:
            raise InputError(
                f"groups {', '.join(unit)} hold near-duplicate texts but are frozen in different "
                f"splits {sorted(kept)}; reword the new text so it is no near-duplicate"
            )
        if not kept:
            new_units.append(unit)
            continue
        split = kept.pop()
        for g in unit:
            split_of_group[g] = split
            filled[split].update(cells_of_group[g])
            sizes[split] += sum(cells_of_group[g].values())
    units = new_units
    random.Random(seed).shuffle(units)
    units.sort(key=lambda u: -sum(sum(cells_of_group[g].values()) for g in u))
    totals = Counter((r["domain"], r["label"]) for r in records)
    n = len(records)
    for unit in units:
        cells = sum((cells_of_group[g] for g in unit), Counter())
        size = sum(cells.values())

        def deficit(split, cells=cells, size=size):
            target = SPLIT_TARGETS[split]
            cell_gap = sum(k * (target * totals[c] - filled[split][c]) for c, k in cells.items())
            return cell_gap / size + 2.0 * (target * n - sizes[split]) / 100

        best = max(SPLITS, key=deficit)
        filled[best].update(cells)
        sizes[best] += size
        for g in unit:
            split_of_group[g] = best
    for r in records:
        r["split"] = split_of_group[r["group"]]


def build(root: Path | str, *, seed: int = 13, allow_same_version: bool = False) -> dict[str, Any]:
    """Build ``root/data`` from ``root/sources``; returns counts and checksums."""
    root = Path(root)
    records = _finish_records(_read_sources(root))
    frozen_path = root / "sources" / "splits.json"
    frozen = json.loads(frozen_path.read_text("utf-8")) if frozen_path.exists() else {}
    # Splits are assigned on the labels as written, so an adjudicated fix never
    # moves an item (or the agreement sample) to another split.
    _assign_splits(records, seed, frozen)
    _apply_fixes_and_tags(records, _read_adjudication(root))
    data = root / "data"
    checks_path = data / "checksums.json"
    old = json.loads(checks_path.read_text("utf-8")) if checks_path.exists() else None
    tmp_dir = data / ".build"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    new_hashes = {}
    for split in SPLITS:
        rows = sorted((r for r in records if r["split"] == split), key=lambda r: r["id"])
        write_jsonl(tmp_dir / f"{split}.jsonl", rows)
        new_hashes[split] = sha256_file(tmp_dir / f"{split}.jsonl")
    if (
        old is not None
        and old.get("version") == CORPUS_VERSION
        and old.get("sha256") != new_hashes
        and not allow_same_version
    ):
        for split in SPLITS:
            (tmp_dir / f"{split}.jsonl").unlink()
        tmp_dir.rmdir()
        raise InputError(
            f"the data changed but the corpus version is still {CORPUS_VERSION}; bump "
            "CORPUS_VERSION in corpus/_version.py and add a CHANGELOG.md entry"
        )
    for split in SPLITS:
        (tmp_dir / f"{split}.jsonl").replace(data / f"{split}.jsonl")
    tmp_dir.rmdir()
    checksums = {"version": CORPUS_VERSION, "sha256": new_hashes}
    atomic_write_text(checks_path, json.dumps(checksums, indent=2) + "\n")
    assignment = {r["group"]: r["split"] for r in sorted(records, key=lambda r: r["group"])}
    atomic_write_text(frozen_path, json.dumps(assignment, indent=0, sort_keys=True) + "\n")
    counts = Counter((r["split"], r["label"]) for r in records)
    return {
        "checksums": checksums,
        "counts": {f"{s}/{lab}": k for (s, lab), k in sorted(counts.items())},
    }
