"""Readers of the original release files of FNC-1, Emergent and RumourEval 2019.

Each reader takes a :class:`~denialbench.eval._task_files.ReleaseCopy` and a
split, and returns :class:`TaskItems`: ids, claims, responses and the
*native* gold labels (the mapping to DenialBench labels lives in the task
registry, so it is written down once). The quirks of the real releases are
handled here: byte-order marks, CRLF line endings, quoted multi-line CSV
fields, FNC-1 bodies keyed by Body ID, duplicate rows, and RumourEval's
thread folders for Twitter and Reddit.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from denialbench._errors import InputError
from denialbench.eval._task_files import ReleaseCopy

__all__ = ["MissingFiles", "TaskItems", "read_emergent", "read_fnc1", "read_rumoureval2019"]


class MissingFiles(InputError):
    """A task's release files are not in the user's copy (exit code 2)."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass
class TaskItems:
    """What a reader returns: parallel arrays, and notes on what it dropped."""

    ids: np.ndarray  # object array of str
    claim: np.ndarray
    response: np.ndarray
    native: np.ndarray  # the release's own gold labels, str
    slices: dict[str, np.ndarray] = field(default_factory=dict)  # name -> str per item
    notes: dict[str, Any] = field(default_factory=dict)


def _objects(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _need(copy: ReleaseCopy, tails: tuple[str, ...], expected: str) -> list[str]:
    """Names of the files ending with each tail; MissingFiles names what is absent."""
    found = [copy.find_one(tail) for tail in tails]
    missing = [tail for tail, name in zip(tails, found, strict=True) if name is None]
    if missing:
        raise MissingFiles(
            f"{copy.root}: expected {', '.join(missing)} ({expected})", missing=missing
        )
    return [name for name in found if name is not None]


def _csv_rows(copy: ReleaseCopy, name: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a release CSV: BOM stripped, any line ending, quoted newlines kept."""
    raw = copy.read(name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{copy.where(name)}: not UTF-8 (byte {exc.start}); use the file as released"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            f"{copy.where(name)}: missing column(s) {', '.join(missing)}; found "
            f"{', '.join(h for h in header if h) or 'no header'}; is this the released file?"
        )
    rows = []
    for line, row in enumerate(reader, start=2):
        if all(not (row.get(c) or "").strip() for c in required):
            continue  # a blank line, as some copies end with
        if any(row.get(c) is None for c in required):
            raise InputError(
                f"{copy.where(name)}: record near line {line} has too few fields; "
                "is the file truncated?"
            )
        rows.append(row)
    return rows


# ---------------------------------------------------------------- FNC-1

FNC1_FILES = {
    "train": ("train_stances.csv", "train_bodies.csv"),
    "test": ("competition_test_stances.csv", "competition_test_bodies.csv"),
}


def read_fnc1(copy: ReleaseCopy, split: str) -> TaskItems:
    """Headline/body pairs; the body text is looked up by Body ID.

    Every stance row is an item, repeated rows included: the official scorer
    counts each row, so the weighted score stays comparable. Ids are
    ``<split>-<row>``, the 1-based data row of the stances file.
    """
    stances_name, bodies_name = _need(copy, FNC1_FILES[split], "FNC-1 release")
    bodies: dict[str, str] = {}
    for row in _csv_rows(copy, bodies_name, ("Body ID", "articleBody")):
        key = row["Body ID"].strip()
        if key in bodies and bodies[key] != row["articleBody"]:
            raise InputError(
                f"{copy.where(bodies_name)}: Body ID {key} appears twice with different text"
            )
        bodies[key] = row["articleBody"]
    rows = _csv_rows(copy, stances_name, ("Headline", "Body ID", "Stance"))
    unknown = [r["Body ID"] for r in rows if r["Body ID"].strip() not in bodies]
    if unknown:
        raise InputError(
            f"{copy.where(stances_name)}: Body ID {unknown[0]} is not in {bodies_name} "
            f"({len(unknown)} row(s)); use the stances and bodies files of the same split"
        )
    seen: set[tuple[str, str, str]] = set()
    repeated = 0
    for r in rows:
        pair = (r["Headline"], r["Body ID"].strip(), r["Stance"].strip())
        repeated += pair in seen
        seen.add(pair)
    return TaskItems(
        ids=_objects([f"{split}-{i}" for i in range(1, len(rows) + 1)]),
        claim=_objects([r["Headline"] for r in rows]),
        response=_objects([bodies[r["Body ID"].strip()] for r in rows]),
        native=_objects([r["Stance"].strip().lower() for r in rows]),
        notes={"repeated_rows_kept": repeated},
    )


# ---------------------------------------------------------------- Emergent

EMERGENT_FILES = {
    "train": ("url-versions-2015-06-14-clean-train.csv",),
    "test": ("url-versions-2015-06-14-clean-test.csv",),
}
_EMERGENT_COLUMNS = ("claimId", "articleId", "claimHeadline", "articleHeadline")


def read_emergent(copy: ReleaseCopy, split: str) -> TaskItems:
    """Claim headline / article headline pairs; ids are ``<claimId>-<articleId>``.

    Exact repeats of a row are dropped (counted in the notes); two rows with
    the same ids but different text or stance keep the first, also counted.
    """
    (name,) = _need(copy, EMERGENT_FILES[split], "Emergent release")
    rows = _csv_rows(copy, name, (*_EMERGENT_COLUMNS, "articleHeadlineStance"))
    kept: dict[str, dict[str, str]] = {}
    exact = conflicting = 0
    for r in rows:
        key = f"{r['claimId'].strip()}-{r['articleId'].strip()}"
        if key in kept:
            same = all(kept[key][c] == r[c] for c in (*_EMERGENT_COLUMNS, "articleHeadlineStance"))
            exact += same
            conflicting += not same
            continue
        kept[key] = r
    values = list(kept.values())
    return TaskItems(
        ids=_objects(list(kept)),
        claim=_objects([r["claimHeadline"] for r in values]),
        response=_objects([r["articleHeadline"] for r in values]),
        native=_objects([r["articleHeadlineStance"].strip().lower() for r in values]),
        notes={"duplicate_rows_dropped": exact, "conflicting_rows_dropped": conflicting},
    )


# ---------------------------------------------------------------- RumourEval 2019

RUMOUREVAL_KEYS = {
    "train": "train-key.json",
    "validation": "dev-key.json",
    "test": "final-eval-key.json",
}


def _post_text(obj: Any) -> str | None:
    """The text of a Twitter or Reddit post file, or None if it holds none."""
    if not isinstance(obj, dict):
        return None
    for key in ("full_text", "text"):
        if isinstance(obj.get(key), str):
            return obj[key]
    data = obj.get("data")
    if isinstance(data, dict):
        children = data.get("children")
        if isinstance(children, list) and children and isinstance(children[0], dict):
            data = children[0].get("data", {})
        if isinstance(data, dict):
            if isinstance(data.get("body"), str):
                return data["body"]
            title, body = data.get("title"), data.get("selftext")
            parts = [p for p in (title, body) if isinstance(p, str) and p.strip()]
            if parts:
                return "\n\n".join(parts)
    return None


def _thread_posts(copy: ReleaseCopy) -> tuple[dict[str, str], dict[str, str]]:
    """post id -> file name, and thread folder -> source-post file name."""
    posts: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name in copy.paths:
        path = PurePosixPath(name.replace("!/", "/"))
        if path.suffix != ".json" or len(path.parts) < 3:
            continue
        kind = path.parts[-2]
        if kind not in ("replies", "source-tweet"):
            continue
        posts.setdefault(path.stem, name)
        if kind == "source-tweet":
            sources[str(path.parent.parent)] = name
    return posts, sources


def _load_json(copy: ReleaseCopy, name: str, read: Callable[[str], bytes]) -> Any:
    try:
        return json.loads(read(name).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{copy.where(name)}: not valid JSON ({exc})") from None


def read_rumoureval2019(copy: ReleaseCopy, split: str) -> TaskItems:
    """Source post / reply pairs from the thread folders, labels from the key file.

    Only replies are items: a source post's own label is its stance toward
    itself, which is no claim/response pair. Labelled replies whose post file
    is absent (the release lacks a few) are counted in the notes.
    """
    key_tail = RUMOUREVAL_KEYS[split]
    (key_name,) = _need(copy, (key_tail,), "RumourEval 2019 key file")
    key = _load_json(copy, key_name, copy.read)
    labels = key.get("subtaskaenglish") if isinstance(key, dict) else None
    if not isinstance(labels, dict):
        raise InputError(
            f"{copy.where(key_name)}: no 'subtaskaenglish' object; is this the RumourEval 2019 key?"
        )
    posts, sources = _thread_posts(copy)
    if not set(labels) & set(posts) and copy.archives:
        copy.expand_archives()  # the threads may sit in an archive beside the key file
        posts, sources = _thread_posts(copy)
    if not posts:
        raise MissingFiles(
            f"{copy.root}: no thread folders (<thread>/source-tweet/<id>.json and "
            "<thread>/replies/<id>.json) beside the key file",
            missing=["<thread>/source-tweet/*.json", "<thread>/replies/*.json"],
        )
    blobs: dict[str, bytes] = {}

    def read(name: str) -> bytes:
        if name not in blobs:
            blobs[name] = copy.read(name, record=False)
        return blobs[name]

    ids, claims, responses, native, platform = [], [], [], [], []
    absent = sources_skipped = no_text = 0
    for post_id in sorted(labels):
        name = posts.get(post_id)
        if name is None:
            absent += 1
            continue
        path = PurePosixPath(name.replace("!/", "/"))
        if path.parts[-2] == "source-tweet":
            sources_skipped += 1
            continue
        source_name = sources.get(str(path.parent.parent))
        if source_name is None:
            absent += 1
            continue
        claim = _post_text(_load_json(copy, source_name, read))
        response = _post_text(_load_json(copy, name, read))
        if claim is None or response is None:
            no_text += 1
            continue
        ids.append(post_id)
        claims.append(claim)
        responses.append(response)
        native.append(str(labels[post_id]).strip().lower())
        platform.append("reddit" if "reddit" in name.lower() else "twitter")
    if not ids:
        raise InputError(
            f"{copy.root}: none of the {len(labels)} ids of {key_tail} has a reply file in "
            "the thread folders; give the folder that holds both the key and the threads"
        )
    copy.record_group("thread posts", list(blobs), list(blobs.values()))
    return TaskItems(
        ids=_objects(ids),
        claim=_objects(claims),
        response=_objects(responses),
        native=_objects(native),
        slices={"platform": _objects(platform)},
        notes={
            "labelled_posts_without_file": absent,
            "source_posts_left_out": sources_skipped,
            "posts_without_text": no_text,
        },
    )
