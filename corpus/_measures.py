"""Measures of a corpus: the numbers behind both `validate` and `stats`.

Every function takes a list of records (dicts in the corpus schema) so the
same code measures the bundled corpus, a user's file, or a test fixture.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from denialbench.corpus._lexicon import find_cues
from denialbench.corpus._quotas import QUOTAS
from denialbench.corpus._schema import LABELS
from denialbench.corpus._text import named_tokens, normalise, word_count

__all__ = [
    "computed_tags",
    "contrast_groups",
    "contrast_item_ids",
    "cue_shares",
    "headline_measures",
    "label_shares",
    "shares_entity_with_claim",
]

Record = dict[str, Any]


def computed_tags(record: Record) -> set[str]:
    """The tags derived from the text: ``no_cue``, ``cue_distractor``, ``long``."""
    tags = set()
    cued = bool(find_cues(record["response"]))
    if record["label"] == "deny" and not cued:
        tags.add("no_cue")
    if record["label"] != "deny" and cued:
        tags.add("cue_distractor")
    if word_count(record["response"]) >= QUOTAS["long_words"]:
        tags.add("long")
    return tags


def label_shares(records: Iterable[Record]) -> dict[str, float]:
    counts = Counter(r["label"] for r in records)
    total = sum(counts.values()) or 1
    return {label: counts[label] / total for label in LABELS}


def cue_shares(records: list[Record]) -> dict[str, float]:
    """Share of deny items without a cue, and of non-deny items with one."""
    deny = [r for r in records if r["label"] == "deny"]
    rest = [r for r in records if r["label"] != "deny"]
    no_cue = sum(not find_cues(r["response"]) for r in deny)
    cued = sum(bool(find_cues(r["response"])) for r in rest)
    return {
        "deny_no_cue_share": no_cue / max(len(deny), 1),
        "nondeny_cue_share": cued / max(len(rest), 1),
    }


def _shingles(text: str, n: int = 5) -> set[str]:
    text = normalise(text)
    return {text[i : i + n] for i in range(max(len(text) - n + 1, 1))}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def contrast_groups(records: list[Record]) -> dict[str, set[str]]:
    """Map each contrast group to the ids of the items in its contrast pairs.

    A contrast pair is two items of one group with different labels built on
    the same claim, or on the same or a minimally edited response (character
    5-gram Jaccard >= ``QUOTAS['minimal_edit_jaccard']``).
    """
    by_group: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_group[record["group"]].append(record)
    threshold = QUOTAS["minimal_edit_jaccard"]
    result: dict[str, set[str]] = {}
    for group, items in by_group.items():
        if len({r["label"] for r in items}) < 2:
            continue
        shingles = [_shingles(r["response"]) for r in items]
        claims = [normalise(r["claim"]) for r in items]
        members: set[str] = set()
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                if items[i]["label"] == items[j]["label"]:
                    continue
                if claims[i] == claims[j] or _jaccard(shingles[i], shingles[j]) >= threshold:
                    members.update((items[i]["id"], items[j]["id"]))
        if members:
            result[group] = members
    return result


def contrast_item_ids(records: list[Record]) -> set[str]:
    return set().union(*contrast_groups(records).values()) if records else set()


def shares_entity_with_claim(record: Record) -> bool:
    """True when the response side names an entity of the claim side.

    The claim side is the claim and its source; the response side is the
    response and its speaker, so "the same people talking about something
    else" counts.
    """
    claim_side = named_tokens(record["claim"] + " " + record["claim_source"])
    response_side = named_tokens(record["response"] + " " + record["speaker"])
    return bool(claim_side & response_side)


def headline_measures(records: list[Record]) -> dict[str, float | int]:
    """The corpus-wide measures behind the quotas (cues, contrast, hard unrelated)."""
    unrelated = [r for r in records if r["label"] == "unrelated"]
    return {
        "items": len(records),
        **cue_shares(records),
        "contrast_share": len(contrast_item_ids(records)) / max(len(records), 1),
        "unrelated_shared_entity_share": sum(map(shares_entity_with_claim, unrelated))
        / max(len(unrelated), 1),
    }
