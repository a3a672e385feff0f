"""Task scores against reference implementations (scikit-learn, the FNC-1 rule)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score, precision_score, recall_score

from denialbench.corpus import LABELS
from denialbench.eval import get_task
from denialbench.eval._task_scoring import task_scores

N_NATIVE = {"fnc1": 4, "emergent": 3, "rumoureval2019": 4}


def _draw(task_name: str, seed: int, n: int = 300):
    task = get_task(task_name)
    names = list(task.label_mapping)
    rng = np.random.default_rng(seed)
    native = rng.integers(0, len(names), n)
    pred = rng.integers(0, len(LABELS), n).astype(np.int8)
    gold = np.array([task.label_mapping[names[c]] for c in native])
    return task, names, native, pred, gold


@pytest.mark.parametrize("task_name", list(N_NATIVE))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_macro_f1_over_the_task_labels_is_sklearns(task_name, seed):
    task, names, native, pred, gold = _draw(task_name, seed)
    scores = task_scores(task, native, names, pred, n_bootstrap=0, seed=0)
    predicted = np.asarray(LABELS)[pred]
    expected = f1_score(gold, predicted, labels=list(task.labels), average="macro", zero_division=0)
    assert scores["macro_f1_score"]["value"] == pytest.approx(expected)
    binary_gold, binary_pred = gold == "deny", predicted == "deny"
    assert scores["deny_f1_score"]["value"] == pytest.approx(f1_score(binary_gold, binary_pred))
    assert scores["deny_precision_score"]["value"] == pytest.approx(
        precision_score(binary_gold, binary_pred, zero_division=0)
    )
    assert scores["deny_recall_score"]["value"] == pytest.approx(
        recall_score(binary_gold, binary_pred, zero_division=0)
    )


def test_unrelated_answers_count_as_wrong_on_tasks_without_unrelated():
    task = get_task("emergent")
    names = list(task.label_mapping)  # against, for, observing
    native = np.array([0, 1, 2])
    right = np.array([LABELS.index(x) for x in ("deny", "confirm", "evade")], dtype=np.int8)
    all_unrelated = np.full(3, LABELS.index("unrelated"), dtype=np.int8)
    assert task_scores(task, native, names, right, n_bootstrap=0, seed=0)["macro_f1_score"][
        "value"
    ] == pytest.approx(1.0)
    assert (
        task_scores(task, native, names, all_unrelated, n_bootstrap=0, seed=0)["macro_f1_score"][
            "value"
        ]
        == 0.0
    )


def _fnc1_official(gold: list[str], pred: list[str]) -> float:
    """The FNC-1 scoring rule written out item by item, relative to its maximum."""
    related = {"agree", "disagree", "discuss"}
    score = best = 0.0
    for g, p in zip(gold, pred, strict=True):
        best += 1.0 if g in related else 0.25
        if g == p:
            score += 0.25
            if g != "unrelated":
                score += 0.50
        if g in related and p in related:
            score += 0.25
    return score / best


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=60))
def test_fnc1_relative_score_is_the_official_rule(pairs):
    task = get_task("fnc1")
    names = list(task.label_mapping)  # disagree, agree, discuss, unrelated
    native = np.array([g for g, _ in pairs])
    pred = np.array([p for _, p in pairs], dtype=np.int8)
    back = {v: k for k, v in task.label_mapping.items()}  # one to one
    expected = _fnc1_official([names[g] for g in native], [back[LABELS[p]] for p in pred.tolist()])
    got = task_scores(task, native, names, pred, n_bootstrap=0, seed=0)
    assert got["fnc1_relative_score"]["value"] == pytest.approx(expected)


@pytest.mark.parametrize("seed", [0, 1])
def test_rumoureval_native_score_submits_evade_as_comment(seed):
    task, names, native, pred, _ = _draw("rumoureval2019", seed)
    submitted = {"deny": "deny", "confirm": "support", "evade": "comment", "unrelated": "comment"}
    expected = f1_score(
        [names[c] for c in native],
        [submitted[LABELS[p]] for p in pred],
        labels=["support", "deny", "query", "comment"],
        average="macro",
        zero_division=0,
    )
    got = task_scores(task, native, names, pred, n_bootstrap=0, seed=0)
    assert got["rumoureval_macro_f1_score"]["value"] == pytest.approx(expected)


def test_intervals_are_seeded_and_bracket_the_value():
    task, names, native, pred, _ = _draw("fnc1", 5)
    a = task_scores(task, native, names, pred, n_bootstrap=200, seed=3)
    b = task_scores(task, native, names, pred, n_bootstrap=200, seed=3)
    assert a == b
    for m in a.values():
        assert m["ci_low"] <= m["value"] <= m["ci_high"]
