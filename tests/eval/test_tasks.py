"""The task registry and the readers of the original release layouts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from task_fixtures import (
    EMERGENT_ROWS,
    FNC1_BODIES,
    FNC1_STANCES,
    tar_folder,
    write_emergent,
    write_fnc1,
    write_rumoureval,
    zip_folder,
)

from denialbench._errors import InputError
from denialbench.corpus import LABELS
from denialbench.eval import TASKS, evaluate_task, get_task, load_task
from denialbench.eval._result import check_result
from denialbench.eval._task_loaders import MissingFiles

EXTERNAL = [t for t in TASKS.values() if t.reader is not None]


class ByIdModel:
    """Answers a fixed label per id (``default`` otherwise)."""

    def __init__(self, answers: dict[str, str] | None = None, default: str = "evade"):
        self.answers, self.default = answers or {}, default

    def predict(self, frame):
        return np.array([self.answers.get(i, self.default) for i in frame["id"]], dtype=object)


# ---------------------------------------------------------------- registry


@pytest.mark.parametrize("task", TASKS.values(), ids=list(TASKS))
def test_every_task_documents_itself(task):
    assert task.version and task.description and task.citation and task.published
    assert task.default_split in task.splits
    assert set(task.labels) <= set(LABELS)
    assert task.main_score
    if task.name != "pairs":
        assert set(task.label_mapping.values()) == set(task.labels)
        assert task.mapping_reasons and task.native_score_notes
        assert set(task.files) == set(task.splits)
    json.dumps(task.to_dict())


def test_mappings_are_the_documented_ones():
    assert get_task("fnc1").label_mapping == {
        "disagree": "deny",
        "agree": "confirm",
        "discuss": "evade",
        "unrelated": "unrelated",
    }
    assert get_task("emergent").label_mapping == {
        "against": "deny",
        "for": "confirm",
        "observing": "evade",
    }
    assert get_task("rumoureval2019").label_mapping == {
        "deny": "deny",
        "support": "confirm",
        "query": "evade",
        "comment": "evade",
    }
    assert "unrelated" not in get_task("emergent").labels
    assert "unrelated" not in get_task("rumoureval2019").labels


def test_unknown_task_lists_the_known_ones():
    with pytest.raises(InputError, match="known: denialbench:test"):
        get_task("fnc2")


# ---------------------------------------------------------------- FNC-1


def test_fnc1_reads_bodies_by_id_with_bom_crlf_and_quoted_newlines(tmp_path):
    task = load_task("fnc1", write_fnc1(tmp_path / "fnc"))
    data = task.data
    assert len(data) == len(FNC1_STANCES)  # repeated rows are kept, as the scorer counts them
    assert task.notes["repeated_rows_kept"] == 1
    assert data.id_array().tolist()[:2] == ["test-1", "test-2"]
    assert data.response[0] == FNC1_BODIES["7"]  # the quoted "\n\n" survives, no "\r"
    assert data.claim[0] == FNC1_STANCES[0][0]  # no BOM on the first header or value
    assert [LABELS[g] for g in data.gold] == [
        "deny",
        "deny",
        "confirm",
        "unrelated",
        "evade",
        "confirm",
    ]
    assert set(task.files) == {"competition_test_stances.csv", "competition_test_bodies.csv"}


def test_fnc1_train_split(tmp_path):
    task = load_task("fnc1", write_fnc1(tmp_path / "fnc", split="train"), "train")
    assert task.data.id_array()[0] == "train-1"


def test_fnc1_unknown_body_id_names_the_file(tmp_path):
    folder = write_fnc1(tmp_path / "fnc")
    stances = folder / "competition_test_stances.csv"
    stances.write_text(stances.read_text("utf-8-sig") + "New headline,999,agree\n", "utf-8")
    with pytest.raises(InputError, match=r"competition_test_stances.csv: Body ID 999 is not in"):
        load_task("fnc1", folder)


def test_fnc1_unknown_stance_is_reported(tmp_path):
    folder = write_fnc1(tmp_path / "fnc")
    stances = folder / "competition_test_stances.csv"
    stances.write_text(stances.read_text("utf-8-sig") + "New headline,7,maybe\n", "utf-8")
    with pytest.raises(InputError, match="'maybe' are not labels of fnc1"):
        load_task("fnc1", folder)


# ---------------------------------------------------------------- Emergent


def test_emergent_quoting_bom_and_duplicates(tmp_path):
    task = load_task("emergent", write_emergent(tmp_path / "em"))
    data = task.data
    assert data.id_array().tolist() == ["c1-a1", "c1-a2", "c1-a3", "c2-a4", "c2-a5"]
    assert task.notes == {"duplicate_rows_dropped": 1, "conflicting_rows_dropped": 0}
    assert data.response[0] == EMERGENT_ROWS[0][3]  # embedded quotes and commas intact
    assert [LABELS[g] for g in data.gold] == ["deny", "confirm", "evade", "deny", "confirm"]


def test_emergent_missing_column_names_it(tmp_path):
    folder = tmp_path / "em"
    folder.mkdir()
    (folder / "url-versions-2015-06-14-clean-test.csv").write_text("claimId,articleId\nc,a\n")
    with pytest.raises(InputError, match=r"missing column.*claimHeadline"):
        load_task("emergent", folder)


# ---------------------------------------------------------------- RumourEval 2019


def test_rumoureval_twitter_and_reddit_threads(tmp_path):
    root = write_rumoureval(tmp_path / "re")
    test = load_task("rumoureval2019", root, "test")
    assert test.data.id_array().tolist() == ["201", "202", "203", "204", "q2"]
    assert test.data.claim[0] == "The dam upstream has cracked"
    assert test.data.response[4] == "Not true, still paying them"
    assert test.data.claim[4] == "Library fines abolished\n\nFrom the council site"
    assert test.data.slices["platform"].names == ["reddit", "twitter"]
    train = load_task("rumoureval2019", root, "train")
    # source posts 100 and abc are left out; "gone" has no file
    assert train.data.id_array().tolist() == ["101", "102", "103", "abd", "abe"]
    assert train.notes["source_posts_left_out"] == 2
    assert train.notes["labelled_posts_without_file"] == 1
    assert [train.native_names[c] for c in train.native_codes] == [
        "deny",
        "query",
        "comment",
        "support",
        "comment",
    ]
    dev = load_task("rumoureval2019", root, "validation")
    assert dev.data.claim[0] == "Train line to reopen Monday"  # empty selftext dropped


def test_rumoureval_key_without_threads(tmp_path):
    (tmp_path / "final-eval-key.json").write_text('{"subtaskaenglish": {"1": "deny"}}')
    with pytest.raises(MissingFiles, match="thread folders"):
        load_task("rumoureval2019", tmp_path, "test")


# ---------------------------------------------------------------- archives, hashes


@pytest.mark.parametrize("pack", [zip_folder, tar_folder], ids=["zip", "tar.gz"])
@pytest.mark.parametrize(
    ("name", "writer", "split"),
    [
        ("fnc1", write_fnc1, "test"),
        ("emergent", write_emergent, "test"),
        ("rumoureval2019", write_rumoureval, "test"),
    ],
)
def test_an_archive_reads_like_the_folder(tmp_path, pack, name, writer, split):
    folder = writer(tmp_path / "release")
    suffix = ".zip" if pack is zip_folder else ".tar.gz"
    archive = pack(folder, tmp_path / f"release{suffix}")
    a, b = load_task(name, folder, split), load_task(name, archive, split)
    assert a.data.id_array().tolist() == b.data.id_array().tolist()
    assert list(a.data.response) == list(b.data.response)
    # the same bytes give the same hashes wherever the copy sits
    assert a.files == b.files
    assert a.data.source["sha256"] == b.data.source["sha256"]


def test_archives_inside_a_folder_are_opened(tmp_path):
    folder = write_fnc1(tmp_path / "fnc")
    outer = tmp_path / "downloads"
    outer.mkdir()
    zip_folder(folder, outer / "fnc-1.zip")
    assert len(load_task("fnc1", outer).data) == len(FNC1_STANCES)


def test_missing_files_name_the_files_and_the_source(tmp_path):
    with pytest.raises(MissingFiles) as info:
        load_task("fnc1", tmp_path)
    message = str(info.value)
    assert "competition_test_stances.csv" in message
    assert "competition_test_bodies.csv" in message
    assert "github.com/FakeNewsChallenge/fnc-1" in message
    assert info.value.exit_code == 2


def test_external_task_without_data_says_where_to_get_it():
    with pytest.raises(InputError, match=r"url-versions-2015-06-14-clean-test.csv.*--data"):
        load_task("emergent")


def test_bad_split_is_refused(tmp_path):
    with pytest.raises(InputError, match="has split"):
        load_task("emergent", write_emergent(tmp_path / "em"), "validation")


# ---------------------------------------------------------------- results


def test_result_records_task_version_hashes_and_timing(tmp_path):
    folder = write_rumoureval(tmp_path / "re")
    model = ByIdModel({"201": "deny", "203": "confirm"}, default="unrelated")
    result = evaluate_task(model, "rumoureval2019", folder, n_bootstrap=50)
    content = result.to_dict()
    check_result(content, "result")
    task = content["task"]
    assert (task["name"], task["version"], task["split"]) == ("rumoureval2019", "1", "test")
    assert set(task["files"]) == {"final-eval-key.json", "thread posts (7 files)"}
    assert content["data"]["kind"] == "task"
    assert set(content["timing"]) == {"read_seconds", "model_seconds", "score_seconds"}
    # "unrelated" is no label of the task: those answers count as wrong
    assert content["metrics"]["macro_f1_score"] == task["scores"]["macro_f1_score"]
    assert [p["native_gold"] for p in content["predictions"]] == [
        "deny",
        "query",
        "support",
        "comment",
        "deny",
    ]
    round_trip = tmp_path / "r.json"
    result.save(round_trip)
    check_result(json.loads(Path(round_trip).read_text()), "saved")


def test_denialbench_split_as_a_task_matches_evaluate():
    from denialbench.eval import evaluate

    model = ByIdModel(default="deny")
    via_task = evaluate_task(model, "denialbench:test", n_bootstrap=20).to_dict()
    plain = evaluate(model, "test", n_bootstrap=20).to_dict()
    for key in ("metrics", "per_label", "confusion_matrix", "slices"):
        assert via_task[key] == plain[key]
    assert via_task["data"]["kind"] == "split"  # the leaderboard still accepts it
    assert via_task["task"]["scores"]["macro_f1_score"] == plain["metrics"]["macro_f1_score"]


def test_results_of_schema_version_1_stay_valid(tmp_path):
    model = ByIdModel(default="deny")
    content = evaluate_task(model, "denialbench:test", n_bootstrap=0).to_dict()
    content["schema_version"] = 1
    del content["task"], content["timing"]
    check_result(content, "old file")


def test_slices_average_over_the_task_labels_too(tmp_path):
    from sklearn.metrics import f1_score

    folder = write_rumoureval(tmp_path / "re")
    model = ByIdModel({"201": "deny", "202": "evade", "203": "deny"}, default="confirm")
    result = evaluate_task(model, "rumoureval2019", folder, n_bootstrap=20).to_dict()
    twitter = [p for p in result["predictions"] if p["id"] in {"201", "202", "203", "204"}]
    expected = f1_score(
        [p["gold"] for p in twitter],
        [p["label"] for p in twitter],
        labels=["deny", "confirm", "evade"],
        average="macro",
        zero_division=0,
    )
    twitter_slice = result["slices"]["platform"]["twitter"]["macro_f1_score"]
    assert twitter_slice["value"] == pytest.approx(expected)
    assert twitter_slice["ci_low"] <= twitter_slice["ci_high"]


def test_a_tarball_of_zips_as_rumoureval_ships(tmp_path):
    import tarfile

    root = write_rumoureval(tmp_path / "re")
    packed = tmp_path / "packed"
    packed.mkdir()
    for name in ("rumoureval-2019-training-data", "rumoureval-2019-test-data"):
        zip_folder(root / name, packed / f"{name}.zip")
    (packed / "final-eval-key.json").write_bytes((root / "final-eval-key.json").read_bytes())
    tarball = tmp_path / "rumoureval2019.tar.bz2"
    with tarfile.open(tarball, "w:bz2") as archive:
        archive.add(packed, arcname="rumoureval2019")
    folder_task = load_task("rumoureval2019", root, "test")
    archive_task = load_task("rumoureval2019", tarball, "test")
    assert archive_task.data.id_array().tolist() == folder_task.data.id_array().tolist()
    assert archive_task.files == folder_task.files
    assert len(load_task("rumoureval2019", tarball, "train").data) == 5


def test_emergent_conflicting_repeats_keep_the_first(tmp_path):
    folder = write_emergent(tmp_path / "em")
    path = folder / "url-versions-2015-06-14-clean-test.csv"
    path.write_bytes(
        path.read_bytes() + b"9,c1,Singer to open a bakery in Oslo,a1,Other text,for\r\n"
    )
    task = load_task("emergent", folder)
    assert task.notes["conflicting_rows_dropped"] == 1
    assert LABELS[task.data.gold[0]] == "deny"


def test_a_bundled_task_refuses_data(tmp_path):
    with pytest.raises(InputError, match="use --task pairs"):
        load_task("denialbench:test", tmp_path)
