"""Prompt building for LLMs: versioned template, few-shot examples from train only."""

from __future__ import annotations

import pytest

from denialbench._errors import InputError
from denialbench.corpus._loading import read_bundled_split
from denialbench.corpus._schema import LABELS
from denialbench.eval._prompts import (
    PROMPT_TEMPLATE_VERSION,
    QUESTION,
    build_prompts,
    shot_pool_split,
)


@pytest.fixture(scope="module")
def corpus():
    return {s: read_bundled_split(s) for s in ("train", "test", "real_train", "real_test")}


def test_every_item_gets_one_prompt_with_the_template_version(corpus):
    prompts = list(build_prompts("test", shots=0))
    assert [p["id"] for p in prompts] == [r["id"] for r in corpus["test"]]
    assert all(p["template_version"] == PROMPT_TEMPLATE_VERSION for p in prompts)
    assert all(p["prompt"].endswith(QUESTION) for p in prompts)
    item = corpus["test"][0]
    assert item["claim"] in prompts[0]["prompt"] and item["response"] in prompts[0]["prompt"]


def test_the_template_states_every_label(corpus):
    prompt = next(build_prompts("test"))["prompt"]
    for label in LABELS:
        assert label in prompt


def test_shots_come_from_train_only_and_never_from_the_items_group(corpus):
    train = {r["id"]: r for r in corpus["train"]}
    items = {r["id"]: r for r in corpus["test"]}
    for prompt in build_prompts("test", shots=8, seed=3):
        assert len(prompt["shot_ids"]) == 8
        shots = [train[i] for i in prompt["shot_ids"]]  # KeyError: a shot not from train
        assert all(s["group"] != items[prompt["id"]]["group"] for s in shots)
        # balanced: two of each label
        assert sorted(s["label"] for s in shots) == sorted(LABELS * 2)
        for s in shots:
            assert f"Response: {s['response']}\nLabel: {s['label']}" in prompt["prompt"]


def test_shots_never_share_the_items_contrast_group_even_when_the_pool_does():
    # a pool made of the item's own group and one other: only the other may be used
    item = {"id": "t-1", "group": "g1", "claim": "C", "response": "R", "label": "deny"}
    pool = [
        {"id": f"g1-{n}", "group": "g1", "claim": "C", "response": f"own {n}", "label": label}
        for n, label in enumerate(LABELS)
    ] + [{"id": "g2-0", "group": "g2", "claim": "D", "response": "other", "label": "deny"}]
    (prompt,) = build_prompts("test", shots=4, items=[item], pool=pool)
    assert prompt["shot_ids"] == ["g2-0"]
    assert "own" not in prompt["prompt"]


def test_real_items_take_shots_from_real_train_never_from_their_briefing(corpus):
    assert shot_pool_split("real_test") == "real_train"
    real_train = {r["id"]: r for r in corpus["real_train"]}
    items = {r["id"]: r for r in corpus["real_test"]}
    for prompt in build_prompts("real_test", shots=4, seed=0):
        shots = [real_train[i] for i in prompt["shot_ids"]]
        briefing = items[prompt["id"]]["briefing_id"]
        assert all(s["briefing_id"] != briefing for s in shots)


def test_same_seed_same_prompts_other_seed_other_shots():
    first = [p["shot_ids"] for p in build_prompts("test", shots=4, seed=1)]
    again = [p["shot_ids"] for p in build_prompts("test", shots=4, seed=1)]
    other = [p["shot_ids"] for p in build_prompts("test", shots=4, seed=2)]
    assert first == again
    assert first != other


def test_prompts_for_the_training_split_are_refused():
    with pytest.raises(InputError, match="few-shot"):
        next(build_prompts("train", shots=2))


def test_negative_shots_are_refused():
    with pytest.raises(InputError, match="--shots"):
        next(build_prompts("test", shots=-1))


def test_ambiguous_real_items_are_never_examples():
    item = {"id": "r-1", "briefing_id": "b1", "claim": "C", "response": "R", "label": "deny"}
    pool = [
        {"id": "r-2", "briefing_id": "b2", "claim": "D", "response": "clear", "label": "deny",
         "ambiguous": False},
        {"id": "r-3", "briefing_id": "b3", "claim": "E", "response": "split", "label": "evade",
         "ambiguous": True},
    ]  # fmt: skip
    (prompt,) = build_prompts("real_test", shots=4, items=[item], pool=pool)
    assert prompt["shot_ids"] == ["r-2"]
