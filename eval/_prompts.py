"""Prompts for LLMs: one fixed, versioned template per item, with few-shot examples.

The template states the four labels and the order of questions of
corpus/GUIDELINES.md section 2 in a few lines of its own. Few-shot examples
come only from the training split of the same corpus (``train`` for the
synthetic splits, ``real_train`` for the real ones), are drawn with the seed,
balanced over the four labels where the pool allows, never ambiguous (real
items without a 2/3 annotator majority), and never share the
item's contrast group (synthetic) or its briefing (real): an example from the
same group has the same claim, and would hand the model half the answer.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from denialbench._errors import InputError
from denialbench.corpus._schema import LABELS

__all__ = [
    "PROMPT_TEMPLATE_VERSION",
    "build_prompts",
    "format_prompt",
    "shot_pool_split",
    "write_prompts",
]

#: Bumped whenever the wording of the template changes: scores from prompts of
#: different versions are not comparable.
PROMPT_TEMPLATE_VERSION = "1"

INSTRUCTIONS = """\
You label how a response relates to a claim. Answer four questions, in this order:
1. Does the response leave the claim's proposition unaddressed? Then the label is unrelated.
2. Does it say, or clearly imply, that the proposition (or a central part of it) is false? \
Then the label is deny.
3. Does it say, or clearly imply, that the proposition is true? Then the label is confirm.
4. Otherwise it engages with the claim without committing either way: the label is evade.
Denial words alone do not decide the label; what the speaker commits to does."""

QUESTION = "Answer with exactly one word: deny, confirm, evade or unrelated."


def _example_block(claim: str, response: str, label: str | None) -> str:
    answer = f" {label}" if label is not None else ""
    return f"Claim: {claim}\nResponse: {response}\nLabel:{answer}"


def format_prompt(item: dict[str, Any], shots: list[dict[str, Any]]) -> str:
    """The prompt text for ``item``, with ``shots`` (records with a label) as examples."""
    parts = [INSTRUCTIONS]
    if shots:
        parts.append("Examples:")
        parts.extend(_example_block(s["claim"], s["response"], s["label"]) for s in shots)
        parts.append("Now the item to label.")
    parts.append(_example_block(item["claim"], item["response"], None))
    parts.append(QUESTION)
    return "\n\n".join(parts)


def shot_pool_split(split: str) -> str:
    """The split few-shot examples come from: the training split of the same corpus."""
    return "real_train" if split.startswith("real_") else "train"


def _family(record: dict[str, Any]) -> str:
    """What an example must not share with the item: its contrast group or its briefing."""
    if "briefing_id" in record:
        return f"briefing:{record['briefing_id']}"
    return f"group:{record.get('group') or record['id']}"


def _pick_shots(
    item: dict[str, Any], by_label: dict[str, list[dict[str, Any]]], k: int, rng: random.Random
) -> list[dict[str, Any]]:
    """``k`` examples, cycling over the labels so each gets k // 4 or one more."""
    family = _family(item)
    labels = list(LABELS)
    rng.shuffle(labels)  # which labels get the extra shots when k is not a multiple of 4
    per_label = -(-k // len(LABELS))
    # a small oversample is enough: a family holds a handful of items, a pool hundreds
    candidates = {
        label: [r for r in rng.sample(pool, min(len(pool), per_label + 8)) if _family(r) != family]
        for label, pool in by_label.items()
    }
    shots: list[dict[str, Any]] = []
    while len(shots) < k and any(candidates.values()):
        for label in labels:
            if candidates.get(label) and len(shots) < k:
                shots.append(candidates[label].pop())
    rng.shuffle(shots)  # the label order of the examples must not be a pattern
    return shots


def build_prompts(
    split: str = "test",
    *,
    shots: int = 0,
    seed: int = 0,
    items: list[dict[str, Any]] | None = None,
    pool: list[dict[str, Any]] | None = None,
) -> Iterator[dict[str, Any]]:
    """One ``{"id", "prompt", "template_version"}`` record per item of ``split``.

    Parameters
    ----------
    split : str
        A bundled split (``test``, ``validation``, ``real_test``, ...).
    shots : int
        Few-shot examples per prompt, from :func:`shot_pool_split` only.
    seed : int
        Seed of the example draw: the same seed gives the same prompts.
    items, pool : list of dict, optional
        The records to prompt for and the examples' pool (default: the bundled
        ``split`` and its training split); for tests and custom corpora.

    Examples
    --------
    >>> first = next(build_prompts("test", shots=4, seed=1))
    >>> first["prompt"].endswith("deny, confirm, evade or unrelated.")
    True
    """
    from denialbench.corpus._loading import read_bundled_split

    if shots < 0:
        raise InputError(f"--shots must be >= 0 (got {shots})")
    if items is None:
        if split == shot_pool_split(split):
            raise InputError(
                f"--split {split}: prompts are for scored splits; {split} is the pool the "
                "few-shot examples come from (use test, validation, real_test or real_validation)"
            )
        items = read_bundled_split(split)
    if pool is None and shots:
        pool = read_bundled_split(shot_pool_split(split))
    by_label: dict[str, list[dict[str, Any]]] = {label: [] for label in LABELS}
    for record in pool or []:
        # an example must teach the label: leave out real items without a 2/3 majority
        if not record.get("ambiguous"):
            by_label[record["label"]].append(record)
    for item in items:
        # one generator per item: an item's examples do not depend on the items before it
        rng = random.Random(f"{seed}:{item['id']}")
        chosen = _pick_shots(item, by_label, shots, rng) if shots else []
        yield {
            "id": item["id"],
            "prompt": format_prompt(item, chosen),
            "template_version": PROMPT_TEMPLATE_VERSION,
            "shot_ids": [s["id"] for s in chosen],
        }


def write_prompts(
    out: Path | str, split: str = "test", *, shots: int = 0, seed: int = 0
) -> dict[str, Any]:
    """Write :func:`build_prompts` to ``out`` as JSON Lines; return a summary."""
    import json

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for record in build_prompts(split, shots=shots, seed=seed):
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return {
        "out": str(out),
        "split": split,
        "items": n,
        "shots": shots,
        "seed": seed,
        "template_version": PROMPT_TEMPLATE_VERSION,
    }
