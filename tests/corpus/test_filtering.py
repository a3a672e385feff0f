"""The shortcut filter: it drops what surface numbers give away, in step across splits and labels."""

from __future__ import annotations

from collections import Counter

import pytest
from probe_fixtures import make_records

from denialbench.corpus._filtering import FilterSettings, shortcut_filter

LABELS = ("deny", "confirm", "evade", "unrelated")


def _records(groups: int = 60, planted_share: float = 0.5):
    """Stories whose evasions end in '?' in a share of the groups: a planted shortcut."""

    def question_evasions(record, rng):
        if record["label"] == "evade" and rng.random() < planted_share:
            record["response"] = record["response"].rstrip(".") + "?"

    records = make_records(groups, edit=question_evasions)
    for record in records:  # three splits, by story
        number = int(record["group"][-3:])
        record["split"] = ("train", "train", "test", "validation")[number % 4]
    return records


@pytest.mark.slow  # dozens of boosted-tree fits
def test_the_filter_drops_the_planted_shortcut_first():
    records = _records(100)
    planted = {r["id"] for r in records if r["response"].endswith("?")}
    evasions = {r["id"] for r in records if r["label"] == "evade"}
    even = dict.fromkeys(LABELS, 0.25)  # the fixture's own shares: no steering
    settings = FilterSettings(floor=len(records) - 60, per_round=60, label_shares=even)
    dropped = {row["id"] for row in shortcut_filter(records, settings)["dropped"]}
    assert 0 < len(dropped) <= 60
    # half the evasions end in '?': those are the ones a surface model gets right
    assert len(dropped & evasions) >= 5
    assert len(dropped & planted) / len(dropped & evasions) > 0.8


@pytest.mark.slow  # boosted trees: seconds on a busy two-core machine
def test_the_filter_is_deterministic_keeps_protected_ids_and_stops_at_its_floor():
    records = _records(24)
    protected = frozenset(r["id"] for r in records if r["label"] == "evade")
    # one halving and one round: four small fits, enough to check the bookkeeping
    settings = FilterSettings(floor=len(records) - 12, per_round=12, partitions=1, threshold=0.5)
    first = shortcut_filter(records, settings, protected=protected)
    assert first == shortcut_filter(records, settings, protected=protected)
    dropped = {row["id"] for row in first["dropped"]}
    assert dropped.isdisjoint(protected)
    assert len(records) - len(dropped) >= settings.floor
    assert first["settings"]["threshold"] == 0.5
    for row in first["dropped"]:
        assert row["predictability"] >= settings.threshold


def test_round_quotas_keep_splits_in_proportion_and_steer_label_shares():
    from denialbench.corpus._filtering import _round_quotas

    cells = Counter({("train", label): 100 for label in LABELS})
    cells.update({("test", label): 50 for label in LABELS})
    cells[("train", "confirm")] += 60  # too many confirmations in train
    settings = FilterSettings(floor=0, label_shares=dict.fromkeys(LABELS, 0.25))
    quotas = _round_quotas(cells, 60, settings)
    assert sum(quotas.values()) <= 60
    train = sum(q for (split, _), q in quotas.items() if split == "train")
    test = sum(q for (split, _), q in quotas.items() if split == "test")
    assert train > test
    assert quotas[("train", "confirm")] == max(quotas.values())


def test_the_bundled_splits_leave_out_every_filtered_item(repo):
    import json

    from denialbench.corpus._filtering import filter_markdown
    from denialbench.corpus._loading import read_bundled_split

    path = repo / "corpus" / "sources" / "filtered.json"
    if not path.exists():
        pytest.skip("needs a checkout")
    record = json.loads(path.read_text("utf-8"))
    dropped = {row["id"] for row in record["dropped"]}
    kept = {r["id"] for split in ("train", "validation", "test") for r in read_bundled_split(split)}
    assert dropped and kept.isdisjoint(dropped)
    # the card's account adds up: sources = kept + dropped
    text = filter_markdown(repo / "corpus")
    assert f"| dropped by the shortcut filter | | {len(dropped)} |" in text
    assert f"| in the split files | | {len(kept)} |" in text
