"""Bootstrap CIs from the 16-cell multinomial, the slices, determinism."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from denialbench.eval import CONFUSION_METRICS, bootstrap_confusions, confusion_matrix, score
from denialbench.eval._data import SLICES, EvalData, Slicing

_MAJORITY = Path(str(resources.files("denialbench.baselines") / "trained" / "majority.pkl"))


def _data(n=400, seed=1):
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 4, n).astype(np.int8)
    pred = np.where(rng.random(n) < 0.7, gold, rng.integers(0, 4, n)).astype(np.int8)
    data = EvalData(ids=np.array([f"i{i}" for i in range(n)], dtype=object), gold=gold)
    data.slices["domain"] = Slicing(rng.integers(0, 3, n).astype(np.int32), ["a", "b", "c"])
    data.tags = rng.random((n, 12)) < 0.2
    data.group = (np.arange(n) // 4).astype(np.int64)
    return data, pred


def test_multinomial_bootstrap_matches_item_bootstrap():
    data, pred = _data(n=300)
    metric = CONFUSION_METRICS["macro_f1_score"].func
    cm = confusion_matrix(data.gold, pred)
    fast = metric(bootstrap_confusions(cm, 4000, np.random.default_rng(11)))
    rng = np.random.default_rng(12)
    slow = np.array(
        [
            metric(confusion_matrix(data.gold[idx], pred[idx]))
            for idx in (rng.integers(0, len(pred), len(pred)) for _ in range(4000))
        ]
    )
    assert fast.mean() == pytest.approx(slow.mean(), abs=0.005)
    assert fast.std() == pytest.approx(slow.std(), rel=0.08)
    assert np.percentile(fast, 2.5) == pytest.approx(np.percentile(slow, 2.5), abs=0.01)
    assert np.percentile(fast, 97.5) == pytest.approx(np.percentile(slow, 97.5), abs=0.01)


def test_bootstrap_resamples_keep_the_item_count():
    cm = np.array([[5, 1, 0, 0], [0, 3, 1, 0], [0, 0, 2, 2], [1, 0, 0, 4]])
    draws = bootstrap_confusions(cm, 50, np.random.default_rng(0))
    assert draws.shape == (50, 4, 4)
    assert (draws.sum(axis=(1, 2)) == cm.sum()).all()


def test_score_is_deterministic_and_ci_brackets_the_value():
    data, pred = _data()
    a = score(data, pred, n_bootstrap=500, seed=7)
    b = score(data, pred, n_bootstrap=500, seed=7)
    assert a == b
    for m in a["metrics"].values():
        assert m["ci_low"] <= m["value"] <= m["ci_high"]
    c = score(data, pred, n_bootstrap=500, seed=8)
    assert c["metrics"]["macro_f1_score"]["ci_low"] != a["metrics"]["macro_f1_score"]["ci_low"]


def test_slices_partition_the_items():
    data, pred = _data()
    result = score(data, pred, n_bootstrap=10)
    assert sum(s["n"] for s in result["slices"]["domain"].values()) == len(pred)
    for name, s in result["slices"]["domain"].items():
        mask = data.slices["domain"].codes == ["a", "b", "c"].index(name)
        assert s["accuracy_score"]["value"] == pytest.approx((data.gold[mask] == pred[mask]).mean())
    tag0 = data.tags[:, 0]
    first_tag = next(iter(result["slices"]["tag"].values()))
    assert first_tag["n"] == int(tag0.sum())


def test_contrast_consistency_counts_groups_with_every_item_right():
    gold = np.array([0, 1, 0, 0, 2, 3], dtype=np.int8)  # groups: [0,1] [2,3] [4,5]
    pred = np.array([0, 1, 0, 0, 2, 2], dtype=np.int8)
    data = EvalData(
        ids=np.array(list("abcdef"), dtype=object), gold=gold, group=np.array([0, 0, 1, 1, 2, 2])
    )
    result = score(data, pred, n_bootstrap=20)
    # group 1 has one gold label: not a contrast group; group 0 right, group 2 wrong
    assert result["contrast_consistency"]["n_groups"] == 2
    assert result["contrast_consistency"]["value"] == 0.5


def test_zero_bootstrap_gives_point_intervals():
    data, pred = _data(n=50)
    result = score(data, pred, n_bootstrap=0)
    m = result["metrics"]["accuracy_score"]
    assert m["ci_low"] == m["value"] == m["ci_high"]


def test_tag_slices_equal_a_per_tag_count():
    data, pred = _data(n=500, seed=4)
    result = score(data, pred, n_bootstrap=0)
    from denialbench.corpus import TAGS

    for name, s in result["slices"]["tag"].items():
        mask = data.tags[:, TAGS.index(name)]
        assert s["n"] == int(mask.sum())
        assert s["accuracy_score"]["value"] == pytest.approx((data.gold[mask] == pred[mask]).mean())


@pytest.mark.parametrize("field", sorted(SLICES))
def test_each_slice_partitions_the_test_split(field):
    """Every slice of the SLICES registry gives one slice per value, counted as in the corpus."""
    from collections import Counter

    from denialbench.corpus._loading import read_bundled_split
    from denialbench.eval import evaluate

    records = read_bundled_split("test")
    result = evaluate(_MAJORITY, "test", n_bootstrap=0)
    counts = {name: s["n"] for name, s in result.slices[field].items()}
    assert counts == dict(Counter(SLICES[field].from_records(records)))
