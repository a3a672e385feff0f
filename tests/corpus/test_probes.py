from __future__ import annotations

import json

import numpy as np
import pytest
from probe_fixtures import make_records, write_corpus

from denialbench.corpus._probes import (
    PROBES,
    read_train_test,
    run_probes,
    score_probe,
    unrelated_overlap,
)
from denialbench.corpus._surface import SHALLOW_FEATURE_NAMES, shallow_features

PROBE = {p.name: p for p in PROBES}


def _split(tmp_path, records):
    return read_train_test(write_corpus(tmp_path / "data", records))


def test_id_only_catches_ids_that_encode_the_label(tmp_path):
    leaky = make_records(item_id=lambda g, _, label: f"{label}-{g:03d}")
    leaky_f1 = score_probe(PROBE["id_only"], *_split(tmp_path / "a", leaky))
    assert leaky_f1 == pytest.approx(1.0)
    floor = {"majority": 0.1}
    assert PROBE["id_only"].check(leaky_f1, floor)[0] is False
    assert PROBE["id_only"].check(0.11, floor)[0] is True
    assert PROBE["id_only"].check(0.13, floor)[0] is False


def test_tuned_id_only_falls_back_to_the_majority_on_random_ids(tmp_path):
    # random ids carry nothing: the tuned model learns that and predicts one
    # label, where the untuned one guesses minority labels by chance
    rng = np.random.default_rng(1)

    def more_denials(record, _rng):  # a clear majority label, as in the corpus
        if record["label"] == "confirm" and int(record["group"][-3:]) % 3:
            record["label"], record["subtype"] = "deny", "explicit"

    records = make_records(60, item_id=lambda *_: rng.bytes(6).hex(), edit=more_denials)
    train, test = _split(tmp_path, records)
    tuned = score_probe(PROBE["id_only"], train, test)
    majority = score_probe(PROBE["majority"], train, test)
    assert tuned == pytest.approx(majority)


def test_the_shuffled_label_floor_learns_nothing_from_a_leak(tmp_path):
    leaky = make_records(item_id=lambda g, _, label: f"{label}-{g:03d}")
    shuffled = score_probe(PROBE["id_only_shuffled"], *_split(tmp_path, leaky))
    assert shuffled < 0.5


def test_metadata_only_catches_a_speaker_per_label(tmp_path):
    def speaker_by_label(record, _rng):
        record["speaker"] = f"{record['label']} office"

    figure = score_probe(
        PROBE["metadata_only"], *_split(tmp_path, make_records(edit=speaker_by_label))
    )
    assert figure == pytest.approx(1.0)
    assert PROBE["metadata_only"].check(figure, {})[0] is False


@pytest.mark.slow  # the boosted trees take 5-20 s on a busy two-core machine
def test_shallow_features_catch_a_question_mark_on_every_evasion(tmp_path):
    def question_evasions(record, _rng):
        if record["label"] == "evade":
            record["response"] = record["response"].rstrip(".") + "?"

    # 50 stories: enough evasions in train for the boosted trees' leaves (20 items)
    clean = score_probe(PROBE["shallow_features"], *_split(tmp_path / "a", make_records(50)))
    planted = score_probe(
        PROBE["shallow_features"],
        *_split(tmp_path / "b", make_records(50, edit=question_evasions)),
    )
    assert planted > clean + 0.15


def test_shallow_features_are_fourteen_named_numbers():
    numbers = shallow_features(
        ['Peskov said: "We met Trump, twice, in 2024."'], ["We never met Trump? I deny it."]
    )
    assert numbers.shape == (1, len(SHALLOW_FEATURE_NAMES)) == (1, 14)
    row = dict(zip(SHALLOW_FEATURE_NAMES, numbers[0], strict=True))
    assert row["question_marks"] == 1
    assert row["shared_names"] == 1  # Trump
    assert row["first_person_words"] == 2  # We, I
    assert row["cue_words"] == 2  # never, deny
    assert row["claim_cue_words"] == 0


def test_unrelated_overlap_finds_unrelated_items_that_share_no_words(tmp_path):
    def off_topic_unrelated(record, _rng):
        if record["label"] == "unrelated":
            record["response"] = "Weather tomorrow looks sunny and mild everywhere."
        else:
            record["response"] = record["claim"]

    planted = unrelated_overlap(*_split(tmp_path / "a", make_records(edit=off_topic_unrelated)))
    assert planted["figure"] == pytest.approx(1.0)
    assert planted["passed"] is False
    clean = unrelated_overlap(*_split(tmp_path / "b", make_records()))
    assert clean["figure"] < planted["figure"]


def test_unrelated_overlap_stays_near_chance_where_overlap_says_nothing(tmp_path):
    # same vocabulary for every label: the four-label model has nothing to go on
    clean = unrelated_overlap(*_split(tmp_path, make_records(60)))
    assert clean["figure"] < 0.6
    # the first definition (cut where unrelated-F1 peaks) calls nearly all unrelated
    assert clean["best_f1_threshold"]["noise_floor"] > 0.8


def test_probes_command_reports_every_probe_and_fails_on_a_leak(tmp_path, cli):
    directory = write_corpus(
        tmp_path / "data", make_records(item_id=lambda g, _, label: f"{label}-{g:03d}")
    )
    out = cli("corpus", "probes", "--data-dir", directory, "--json")
    assert out.exit_code == 1, out.output
    report = json.loads(out.output)
    rows = {r["name"]: r for r in report["probes"]}
    assert set(rows) == set(PROBE)
    assert rows["id_only"]["passed"] is False
    assert rows["majority"]["passed"] is None
    assert all(0.0 <= r["macro_f1"] <= 1.0 for r in rows.values())
    assert report["passed"] is False


def test_probes_command_prints_a_table_with_verdicts(tmp_path, cli, monkeypatch):
    import denialbench.corpus._probes as probes

    monkeypatch.setattr(probes, "PROBES", (PROBE["majority"], PROBE["id_only"]))
    directory = write_corpus(
        tmp_path / "data", make_records(item_id=lambda g, _, label: f"{label}-{g:03d}")
    )
    table = cli("corpus", "probes", "--data-dir", directory)
    assert table.exit_code == 1
    assert "FAIL" in table.output and "id_only" in table.output
    assert "unrelated_overlap" in table.output


def test_run_probes_passes_when_nothing_is_planted(tmp_path, monkeypatch):
    # only the id probe and the floor, so the check is about the verdict logic
    import denialbench.corpus._probes as probes

    monkeypatch.setattr(probes, "PROBES", (PROBE["majority"], PROBE["id_only"]))
    monkeypatch.setattr(
        probes,
        "unrelated_overlap",
        lambda *_: {
            "passed": True,
            "figure": 0.1,
            "limit": 0.6,
            "found": 1,
            "unrelated_test_items": 10,
            "noise_floor": 0.2,
        },
    )
    directory = write_corpus(tmp_path / "data", make_records(item_id=lambda g, p, _: f"x-{g}-{p}"))
    report = run_probes(directory)
    by_name = {r["name"]: r for r in report["probes"]}
    assert by_name["id_only"]["passed"] is (
        by_name["id_only"]["macro_f1"] <= by_name["majority"]["macro_f1"] + 0.02
    )
    assert report["passed"] is by_name["id_only"]["passed"]


def test_probes_command_names_a_missing_split_file(tmp_path, cli):
    directory = write_corpus(tmp_path / "data", make_records())
    (directory / "test.jsonl").unlink()
    out = cli("corpus", "probes", "--data-dir", directory)
    assert out.exit_code == 2
    assert "test.jsonl" in out.output
    assert "Traceback" not in out.output


def test_probes_command_names_a_bad_record(tmp_path, cli):
    records = make_records()
    records[0]["label"] = "maybe"
    directory = write_corpus(tmp_path / "data", records)
    out = cli("corpus", "probes", "--data-dir", directory)
    assert out.exit_code == 2
    assert "train.jsonl:1" in out.output and "label" in out.output


def test_macro_f1_is_the_harness_metric(tmp_path):
    from denialbench.corpus._probes import _macro_f1

    gold = ["deny", "deny", "confirm", "unrelated"]
    predicted = np.array(["deny", "confirm", "confirm", "unrelated"])
    from sklearn.metrics import f1_score

    expected = f1_score(
        gold,
        predicted,
        labels=["deny", "confirm", "evade", "unrelated"],
        average="macro",
        zero_division=0,
    )
    assert _macro_f1(__import__("pandas").Series(gold), predicted) == pytest.approx(expected)
