"""The corpus sources: stories, each expanded into its claim/response items.

Since 2.0.0 a source line is one *story*: an invented organisation or person,
two or three claims about it on different matters, the responses its
speakers gave, and the labelled (claim, response) pairs. Every claim is paired
with responses of every label, and a claim's unrelated response is a reply
its speaker gave to another claim of the story, so neither side alone gives
the label away.

Ids are opaque and live in the sources: a story's ``group`` and every pair's
``id`` are random 12-digit hex strings given once, when the story is added
(:func:`new_id`), so they carry nothing about label, position, domain or
writing pass, and they survive rebuilding and adding files.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from pathlib import Path
from typing import Any

from denialbench._errors import InputError
from denialbench.corpus._io import iter_jsonl

__all__ = ["ID_PATTERN", "SEED_ITEM", "expand_story", "new_id", "read_stories", "story_problems"]

#: An opaque id: 12 lower-case hex digits.
ID_PATTERN = re.compile(r"^[0-9a-f]{12}$")

#: The one real item: TRT World, 2024-11-11, quoted with its source.
SEED_ITEM: dict[str, Any] = {
    "id": "876c016e5f79",
    "group": "9d8829b68c1f",
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


def new_id() -> str:
    """A fresh opaque id (random, so it encodes nothing about the item)."""
    return secrets.token_hex(6)


def story_problems(story: dict[str, Any]) -> list[str]:
    """What is wrong with one story's structure (empty when it is sound).

    Checks the things the items' labels rest on: unique keys, known
    references, opaque ids, and that each claim meets responses of every
    label with its unrelated response taken from another claim's replies.
    """
    problems: list[str] = []
    group = story.get("group", "")
    if not ID_PATTERN.match(str(group)):
        problems.append(f"'group' {group!r} is not an opaque 12-hex-digit id")
    claims = {c["key"]: c for c in story.get("claims", [])}
    responses = {r["key"]: r for r in story.get("responses", [])}
    if len(claims) < 2:
        problems.append("a story needs at least two claims")
    labels_by_response: dict[str, set[str]] = {}
    per_claim: dict[str, Counter[str]] = {key: Counter() for key in claims}
    for pair in story.get("pairs", []):
        where = f"pair {pair.get('id')!r}"
        if not ID_PATTERN.match(str(pair.get("id", ""))):
            problems.append(f"{where}: 'id' is not an opaque 12-hex-digit id")
        if pair.get("claim") not in claims or pair.get("response") not in responses:
            problems.append(f"{where}: names a claim or response the story does not have")
            continue
        per_claim[pair["claim"]][pair["label"]] += 1
        labels_by_response.setdefault(pair["response"], set()).add(pair["label"])
    for key, counts in per_claim.items():
        missing = [lab for lab in ("deny", "confirm", "evade", "unrelated") if not counts[lab]]
        if missing:
            problems.append(f"claim {key!r} meets no {', '.join(missing)} response")
    for pair in story.get("pairs", []):
        answered = labels_by_response.get(pair.get("response"), set())
        if pair.get("label") == "unrelated" and answered == {"unrelated"}:
            problems.append(
                f"pair {pair.get('id')!r}: an unrelated response must be a reply to "
                "another claim of the story"
            )
    return problems


def expand_story(story: dict[str, Any]) -> list[dict[str, Any]]:
    """The items of one story: one record per pair, in the corpus schema (no split yet)."""
    claims = {c["key"]: c for c in story["claims"]}
    responses = {r["key"]: r for r in story["responses"]}
    items = []
    for pair in story["pairs"]:
        claim, response = claims[pair["claim"]], responses[pair["response"]]
        items.append(
            {
                "id": pair["id"],
                "claim": claim["text"],
                "claim_source": claim["claim_source"],
                "response": response["text"],
                "speaker": response["speaker"],
                "label": pair["label"],
                "subtype": pair["subtype"],
                "tags": list(pair.get("tags", [])),
                "domain": story["domain"],
                "style": response["style"],
                "group": story["group"],
                "source_url": None,
                "source": None,
            }
        )
    return items


def read_stories(sources: Path) -> list[dict[str, Any]]:
    """Every story of ``sources/stories/*.jsonl``, structure-checked; errors name file and line."""
    files = sorted(sources.glob("*.jsonl"))
    if not files:
        raise InputError(f"{sources}: no source files; `corpus build` runs from a checkout")
    stories = []
    for path in files:
        for number, story in iter_jsonl(path):
            problems = story_problems(story)
            if problems:
                raise InputError(f"{path}:{number}: {problems[0]}; fix the story")
            stories.append(story)
    return stories
