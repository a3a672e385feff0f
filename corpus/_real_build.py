"""Assembling DenialBench-Real: items to annotate, then the split files.

Folder ``sources/real/`` of the corpus holds, in pipeline order:

``candidates.jsonl``  the exchanges selected from the transcripts (`real extract`)
``extractions/``      the extractors' claim and response span per exchange
``items.jsonl``       the items (`real items`): one per verified extraction,
                      plus constructed pairs (a reply with the claim of another
                      exchange of the same briefing); ``to_annotate.jsonl`` is
                      the same list with only id, claim and response (blind)
``annotations/``      the annotators' labels; ``adjudication.jsonl`` overrides
``splits.json``       the split shares (optional)

`real build` writes ``data/real_{train,validation,test}.jsonl`` and
``data/real_checksums.json``. Items wait (are not built) until they have
:data:`~._real_annotations.MIN_ANNOTATORS` annotations. Splits go by ISO week
of the briefing date, hashed: every briefing, and every briefing of the same
week, sits in one split.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from denialbench._errors import InputError
from denialbench.corpus._io import atomic_write_text, iter_jsonl, sha256_file, write_jsonl
from denialbench.corpus._measures import computed_tags
from denialbench.corpus._real_annotations import (
    MIN_ANNOTATORS,
    fleiss_kappa,
    gold_labels,
    read_adjudication,
    read_annotations,
)
from denialbench.corpus._real_extractions import Extraction, read_extractions
from denialbench.corpus._real_schema import REAL_SPLITS
from denialbench.corpus._version import CORPUS_VERSION

__all__ = [
    "CONSTRUCTED_SHARE",
    "DEFAULT_SHARES",
    "TARGETS",
    "RealSources",
    "assemble",
    "build_real",
    "read_sources",
    "split_of",
    "write_items",
]

#: Share of natural items that also give a constructed pair.
CONSTRUCTED_SHARE = 0.12
#: Sizes the release aims at (headline items, i.e. not ambiguous); the build
#: reports how far it is from each, it does not enforce them.
TARGETS = {
    "items": 1500,
    "real_test": 1000,
    "real_test_deny": 200,
    "real_test_evade": 200,
    "real_test_confirm": 150,
}
#: Default split shares; ``sources/real/splits.json`` may set others.
DEFAULT_SHARES = {"real_test": 0.5, "real_validation": 0.1, "real_train": 0.4}


def _hash_unit(text: str) -> float:
    """A number in [0, 1) fixed by ``text``."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:12], 16) / 16**12


def split_of(date: str, shares: dict[str, float]) -> str:
    """The split of a briefing date: its ISO week, hashed into the shares."""
    year, week, _ = dt.date.fromisoformat(date).isocalendar()
    point, edge = _hash_unit(f"denialbench-real|{year}-W{week:02d}"), 0.0
    for split in ("real_test", "real_validation", "real_train"):
        edge += shares[split]
        if point < edge:
            return split
    return "real_train"


@dataclass
class RealSources:
    """Everything under ``sources/real``, read and checked."""

    folder: Path
    candidates: dict[str, dict[str, Any]]
    extractions: dict[str, Extraction]
    items: list[dict[str, Any]]
    annotations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    adjudication: dict[str, dict[str, Any]] = field(default_factory=dict)
    shares: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SHARES))
    problems: list[str] = field(default_factory=list)


def _read_candidates(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / "candidates.jsonl"
    if not path.exists():
        raise InputError(f"{path}: missing; run `denialbench corpus real extract` first")
    return {obj["id"]: obj for _, obj in iter_jsonl(path)}


def _read_shares(folder: Path) -> dict[str, float]:
    path = folder / "splits.json"
    if not path.exists():
        return dict(DEFAULT_SHARES)
    shares = json.loads(path.read_text("utf-8"))
    if set(shares) != set(REAL_SPLITS) or abs(sum(shares.values()) - 1.0) > 1e-9:
        raise InputError(f"{path}: must give a share for each of {list(REAL_SPLITS)}, summing to 1")
    return shares


def _constructed_pairs(
    natural: list[str], candidates: dict[str, dict[str, Any]]
) -> list[tuple[str, str]]:
    """(response exchange, claim exchange) pairs within a briefing, chosen by hash."""
    by_briefing: dict[str, list[str]] = defaultdict(list)
    for item_id in natural:
        by_briefing[candidates[item_id]["briefing_id"]].append(item_id)
    pairs = []
    for ids in by_briefing.values():
        for reply_id in ids:
            others = [i for i in ids if i != reply_id]
            if not others or _hash_unit(f"constructed|{reply_id}") >= CONSTRUCTED_SHARE:
                continue
            claim_id = min(others, key=lambda other: _hash_unit(f"{reply_id}|{other}"))
            pairs.append((reply_id, claim_id))
    return pairs


def _item(reply_id: str, claim_id: str, extractions: dict[str, Extraction]) -> dict[str, Any]:
    constructed = reply_id != claim_id
    item_id = (
        "real-" + hashlib.sha256(f"{reply_id}|{claim_id}".encode()).hexdigest()[:12]
        if constructed
        else reply_id
    )
    return {
        "id": item_id,
        "claim": extractions[claim_id].claim,
        "response": extractions[reply_id].response,
        "claim_exchange": claim_id,
        "response_exchange": reply_id,
        "constructed": constructed,
    }


def write_items(root: Path | str) -> dict[str, Any]:
    """Write ``items.jsonl`` and the blind ``to_annotate.jsonl`` from the extractions.

    Constructed pairs already in ``items.jsonl`` are kept while both of their
    exchanges still have a verified extraction, so annotations stay attached.
    """
    folder = Path(root) / "sources" / "real"
    candidates = _read_candidates(folder)
    extractions, problems = read_extractions(folder / "extractions", candidates)
    natural = sorted(i for i, e in extractions.items() if not e.skipped)
    usable = set(natural)
    kept_pairs = set()
    if (folder / "items.jsonl").exists():
        for _, old in iter_jsonl(folder / "items.jsonl"):
            reply, claim = old["response_exchange"], old["claim_exchange"]
            if old["constructed"] and reply in usable and claim in usable:
                kept_pairs.add((reply, claim))
    has_pair = {reply for reply, _ in kept_pairs}
    new_pairs = {p for p in _constructed_pairs(natural, candidates) if p[0] not in has_pair}
    items = [_item(i, i, extractions) for i in natural]
    items += [_item(r, c, extractions) for r, c in sorted(kept_pairs | new_pairs)]
    items.sort(key=lambda item: item["id"])
    write_jsonl(folder / "items.jsonl", items)
    blind = [{k: item[k] for k in ("id", "claim", "response")} for item in items]
    write_jsonl(folder / "to_annotate.jsonl", blind)
    return {
        "items": len(items),
        "natural": len(natural),
        "constructed": len(items) - len(natural),
        "skipped_by_extractors": sum(e.skipped for e in extractions.values()),
        "candidates_not_verified": len(candidates) - len(extractions),
        "extraction_problems": problems,
    }


def read_sources(root: Path | str) -> RealSources:
    """Read and check everything under ``sources/real`` (problems are collected)."""
    folder = Path(root) / "sources" / "real"
    candidates = _read_candidates(folder)
    extractions, problems = read_extractions(folder / "extractions", candidates)
    items = (
        [obj for _, obj in iter_jsonl(folder / "items.jsonl")]
        if (folder / "items.jsonl").exists()
        else []
    )
    for number, item in enumerate(items, start=1):
        for key in ("claim_exchange", "response_exchange"):
            extraction = extractions.get(item[key])
            text_key = "claim" if key == "claim_exchange" else "response"
            if (
                extraction is None
                or extraction.skipped
                or getattr(extraction, text_key) != item[text_key]
            ):
                problems.append(
                    f"{folder / 'items.jsonl'}:{number}: {item['id']}: its {text_key} no longer "
                    "matches a verified extraction; rerun `denialbench corpus real items`"
                )
    item_ids = {item["id"] for item in items}
    annotations, found = read_annotations(folder / "annotations", item_ids)
    adjudication, found_adj = read_adjudication(folder / "adjudication.jsonl", item_ids)
    return RealSources(
        folder,
        candidates,
        extractions,
        items,
        annotations,
        adjudication,
        _read_shares(folder),
        problems + found + found_adj,
    )


def _record(item: dict[str, Any], sources: RealSources, gold: Any) -> dict[str, Any]:
    reply = sources.candidates[item["response_exchange"]]
    asked = sources.candidates[item["claim_exchange"]]
    record = {
        "id": item["id"],
        "claim": item["claim"],
        "response": item["response"],
        "label": gold.label,
        "subtype": gold.subtype,
        "annotations": gold.counts,
        "ambiguous": gold.ambiguous,
        "adjudication": gold.adjudication,
        "constructed": item["constructed"],
        "tags": [],
        "speaker": reply["speaker"],
        "speaker_title": reply["speaker_title"],
        "question": asked["question"],
        "source_url": reply["source_url"],
        "date": reply["date"],
        "briefing_title": reply["title"],
        "briefing_id": reply["briefing_id"],
        "collection": reply["source"],
        "claim_turn": asked["question_turn"],
        "response_turn": reply["question_turn"] + 1,
        "split": split_of(reply["date"], sources.shares),
    }
    record["tags"] = sorted(computed_tags(record))
    return record


def assemble(sources: RealSources) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """The records of each real split and a summary (nothing is written)."""
    gold = gold_labels(sources.annotations, sources.adjudication)
    by_split: dict[str, list[dict[str, Any]]] = {s: [] for s in REAL_SPLITS}
    waiting = 0
    for item in sources.items:
        if item["id"] not in gold:
            waiting += 1
            continue
        record = _record(item, sources, gold[item["id"]])
        by_split[record["split"]].append(record)
    for records in by_split.values():
        records.sort(key=lambda r: r["id"])
    everything = [r for records in by_split.values() for r in records]
    kappa = fleiss_kappa([r["annotations"] for r in everything])
    summary = {
        "items": len(everything),
        "waiting_for_annotations": waiting,
        "min_annotators": MIN_ANNOTATORS,
        "fleiss_kappa": None if kappa is None else round(kappa, 4),
        "ambiguous": sum(r["ambiguous"] for r in everything),
        "constructed": sum(r["constructed"] for r in everything),
        "adjudicated": sum(r["adjudication"] is not None for r in everything),
        "shares": sources.shares,
        "splits": {
            split: {
                "items": len(records),
                "briefings": len({r["briefing_id"] for r in records}),
                "labels": _label_counts(records),
                "labels_headline": _label_counts([r for r in records if not r["ambiguous"]]),
            }
            for split, records in by_split.items()
        },
    }
    test_headline = summary["splits"]["real_test"]["labels_headline"]
    actual = {
        "items": summary["items"],
        "real_test": sum(test_headline.values()),
        **{
            f"real_test_{label}": test_headline.get(label, 0)
            for label in ("deny", "evade", "confirm")
        },
    }
    summary["targets"] = {
        name: {"target": target, "actual": actual[name], "met": actual[name] >= target}
        for name, target in TARGETS.items()
    }
    return by_split, summary


def _label_counts(records: list[dict[str, Any]]) -> dict[str, int]:
    return dict(sorted(Counter(r["label"] for r in records).items()))


def build_real(root: Path | str) -> dict[str, Any]:
    """Write ``data/real_*.jsonl`` and ``data/real_checksums.json``; return the summary.

    Lines that fail their checks are left out and listed under ``problems``;
    `denialbench corpus real validate` fails on them.
    """
    root = Path(root)
    sources = read_sources(root)
    by_split, summary = assemble(sources)
    data = root / "data"
    for split, records in by_split.items():
        write_jsonl(data / f"{split}.jsonl", records)
    summary["version"] = CORPUS_VERSION
    summary["sha256"] = {s: sha256_file(data / f"{s}.jsonl") for s in REAL_SPLITS}
    atomic_write_text(data / "real_checksums.json", json.dumps(summary, indent=2) + "\n")
    return {**summary, "problems": sources.problems}
