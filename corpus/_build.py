"""`corpus build`: from the story sources to the versioned split files.

The pipeline is deterministic: the same sources, blind labels and seed give
byte-identical split files. Steps:

1. read ``sources/stories/*.jsonl`` (one story per line, see ``_stories``) and expand
   every story into its items, whose opaque ids come from the sources; add
   the real seed item;
2. join stories whose claims or responses are near-duplicates into one unit,
   so that no near-duplicate can straddle two splits;
3. keep every story's split from ``sources/splits.json`` (a released story
   never moves, so results stay comparable), and assign new units greedily,
   balancing domain x label cells;
4. apply the blind labels of the evaluation items (``_blind_labels``): label
   counts, ambiguity, adjudicated gold; then the computed tags;
5. write the split files, rows in a fixed shuffled order, with
   checksums.json and splits.json, atomically.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from denialbench._errors import InputError
from denialbench.corpus._blind_labels import annotator_agreement, apply_blind_labels
from denialbench.corpus._io import atomic_write_text, sha256_file, write_jsonl
from denialbench.corpus._measures import computed_tags
from denialbench.corpus._quotas import QUOTAS
from denialbench.corpus._schema import COMPUTED_TAGS, SPLITS, check_record
from denialbench.corpus._stories import SEED_ITEM, expand_story, read_stories
from denialbench.corpus._text import char_ngram_jaccard_pairs
from denialbench.corpus._version import CORPUS_VERSION

__all__ = [
    "FILTERED_FILE",
    "SEED_ITEM",
    "SPLIT_TARGETS",
    "build",
    "read_all_items",
    "read_filtered",
]

#: Shares of the items per split: test and validation are large enough for
#: the quotas (>= 3,000 and >= 800 items) with room for the ambiguous slice.
SPLIT_TARGETS = {"train": 0.605, "validation": 0.09, "test": 0.305}

# Tags implied by a subtype, kept in step so slices by tag are complete.
_SUBTYPE_TAGS = {"partial": "partial", "counter_claim": "counter_claim", "hedge": "hedge"}


#: The shortcut filter's frozen result (see ``_filtering``), in ``sources/``.
FILTERED_FILE = "filtered.json"


def read_filtered(sources: Path) -> frozenset[str]:
    """Ids the shortcut filter dropped; none when the file is absent."""
    path = sources / FILTERED_FILE
    if not path.exists():
        return frozenset()
    try:
        dropped = json.loads(path.read_text("utf-8"))["dropped"]
        return frozenset(str(row["id"]) for row in dropped)
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f'{path}: expected {{"dropped": [{{"id": ...}}, ...]}} as written by '
            f"tools/filter_shortcuts.py ({exc}); re-run that tool"
        ) from exc


def read_all_items(root: Path) -> list[dict[str, Any]]:
    """Every item the sources hold, the filtered ones included, all in train."""
    records = [dict(SEED_ITEM, source_url=None)]
    for story in read_stories(root / "sources" / "stories"):
        records.extend(expand_story(story))
    seen: Counter[str] = Counter(r["id"] for r in records)
    repeated = sorted(i for i, k in seen.items() if k > 1)
    if repeated:
        raise InputError(
            f"{root / 'sources' / 'stories'}: id {repeated[0]!r} is used by "
            f"{seen[repeated[0]]} pairs; give each pair its own id"
        )
    for record in records:
        record["split"] = "train"
    return records


def _read_items(root: Path) -> tuple[list[dict[str, Any]], frozenset[str]]:
    """The items the build keeps, and the ids the shortcut filter dropped."""
    records = read_all_items(root)
    filtered = read_filtered(root / "sources")
    unknown = filtered - {r["id"] for r in records}
    if unknown:
        raise InputError(
            f"{root / 'sources' / FILTERED_FILE}: id {sorted(unknown)[0]!r} is in no story; "
            "re-run tools/filter_shortcuts.py"
        )
    return [r for r in records if r["id"] not in filtered], filtered


def _finish_tags(records: list[dict[str, Any]]) -> None:
    """The subtype and computed tags; every record is schema-checked."""
    for record in records:
        tags = set(record.get("tags") or []) - COMPUTED_TAGS - set(_SUBTYPE_TAGS.values())
        tags |= set(record.get("tags") or []) & set(_SUBTYPE_TAGS.values())
        if record["subtype"] in _SUBTYPE_TAGS and record["label"] in ("deny", "evade"):
            tags.add(_SUBTYPE_TAGS[record["subtype"]])
        tags |= computed_tags(record)
        record["tags"] = sorted(tags)
        check_record(record, f"item {record['id']} (story {record['group']})")


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
    records, filtered = _read_items(root)
    frozen_path = root / "sources" / "splits.json"
    frozen = json.loads(frozen_path.read_text("utf-8")) if frozen_path.exists() else {}
    # Splits are assigned on the labels as written, so an adjudicated label
    # never moves an item to another split.
    _assign_splits(records, seed, frozen)
    blind = apply_blind_labels(records, root / "sources", withdrawn=filtered)
    _finish_tags(records)
    data = root / "data"
    checks_path = data / "checksums.json"
    old = json.loads(checks_path.read_text("utf-8")) if checks_path.exists() else None
    tmp_dir = data / ".build"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    new_hashes = {}
    for split in SPLITS:
        rows = sorted((r for r in records if r["split"] == split), key=lambda r: r["id"])
        # a fixed shuffle: no order (story, label, writer) survives into the file
        random.Random(f"{seed}-{split}").shuffle(rows)
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
    if any(r["annotations"] for r in records):
        agreement = annotator_agreement(records, root / "sources")
        (root / "agreement").mkdir(exist_ok=True)
        atomic_write_text(
            root / "agreement" / "blind_labels.json", json.dumps(agreement, indent=2) + "\n"
        )
    counts = Counter((r["split"], r["label"]) for r in records)
    return {
        "checksums": checksums,
        "blind_labels": blind,
        "counts": {f"{s}/{lab}": k for (s, lab), k in sorted(counts.items())},
    }
