from __future__ import annotations

import json

import datasets
import pytest

from denialbench import InputError, RecordError
from denialbench.corpus import LABELS, checksums, iter_jsonl, load, read_records, split_sha256


def test_load_returns_a_datasetdict_with_classlabel():
    ds = load()
    assert set(ds) == {"train", "validation", "test"}
    label = ds["test"].features["label"]
    assert isinstance(label, datasets.ClassLabel)
    assert label.names == list(LABELS)
    assert len(ds["test"]) >= 3000 and len(ds["validation"]) >= 800


def test_pandas_and_datasets_views_agree(frames):
    ds = load(splits=("validation",))
    names = ds["validation"].features["label"].names
    assert [names[i] for i in ds["validation"]["label"]] == frames["validation"]["label"].tolist()
    assert ds["validation"]["id"] == frames["validation"]["id"].tolist()


def test_checksums_match_the_files():
    recorded = checksums()
    for split in ("train", "validation", "test"):
        assert recorded["sha256"][split] == split_sha256(split)


def test_hf_load_dataset_from_the_checkout(repo, tmp_path):
    card = repo / "corpus" / "README.md"
    if not card.exists():
        pytest.skip("needs a checkout with corpus/README.md")
    # a fresh cache: a machine's HF cache may hold an older build of the splits
    ds = datasets.load_dataset(str(repo / "corpus"), cache_dir=str(tmp_path / "hf"))
    assert set(ds) == {"train", "validation", "test"}
    assert ds["test"].features["label"].names == list(LABELS)
    assert len(ds["test"]) == len(load(splits=("test",))["test"])


def test_read_records_reports_the_line(tmp_path):
    path = tmp_path / "test.jsonl"
    import json

    from denialbench.corpus import split_path

    good = json.loads(split_path("test").read_text("utf-8").splitlines()[0])

    bad = dict(good, label="sideways")
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"test.jsonl:3: 'label'"):
        read_records(path)


def test_read_records_rejects_bad_json_and_encoding(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": 1}\n{oops\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"x.jsonl:2: not valid JSON"):
        list(iter_jsonl(path))
    path.write_bytes(b'{"id": "\xff"}\n')
    with pytest.raises(InputError, match=r"x.jsonl:1: not valid UTF-8"):
        read_records(path)


def test_missing_split_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_records(tmp_path / "nope.jsonl")


def test_older_versions_load_byte_for_byte():
    from denialbench.corpus import RELEASES, sha256_file, split_path

    recorded = json.loads((split_path("test", "1.0.0").parent / "checksums.json").read_text())
    for split in ("train", "validation", "test"):
        assert sha256_file(split_path(split, "1.0.0")) == recorded["sha256"][split]
        assert split_path(split, "1.1.0") == split_path(split, "1.0.0")
    old = load(version="1.0.0", as_pandas=True)
    same = load(config="v1.0.0", as_pandas=True, splits=("test",))
    assert old["test"]["id"].tolist() == same["test"]["id"].tolist()
    # 1.x records have no blind labels: the new fields are filled, not missing
    assert old["test"]["annotations"].isna().all() and not old["test"]["ambiguous"].any()
    assert set(old["test"]["id"]).isdisjoint(load(as_pandas=True)["test"]["id"])
    assert "1.0.0" in RELEASES


def test_corpus_2_0_0_stays_loadable_byte_for_byte():
    from denialbench.corpus import RELEASES, sha256_file, split_path

    recorded = json.loads((split_path("test", "2.0.0").parent / "checksums.json").read_text())
    assert recorded["version"] == "2.0.0"
    for split in ("train", "validation", "test"):
        assert sha256_file(split_path(split, "2.0.0")) == recorded["sha256"][split]
    old = load(version="2.0.0", as_pandas=True, splits=("test",))
    same = load(config="v2.0.0", as_pandas=True, splits=("test",))
    assert old["test"]["id"].tolist() == same["test"]["id"].tolist()
    assert "2.0.0" in RELEASES
    # the real splits did not change in 2.1.0: 2.0.0 reads the current files
    assert split_path("real_test", "2.0.0") == split_path("real_test")


def test_unknown_versions_and_missing_configs_are_input_errors():
    with pytest.raises(InputError, match=r"unknown corpus version '0\.9'"):
        load(version="0.9")
    with pytest.raises(InputError, match="has no 'real_train' split"):
        load(config="real", version="1.0.0")
    with pytest.raises(InputError, match=r"config 'v1\.0\.0' holds corpus 1\.0\.0"):
        load(config="v1.0.0", version="2.0.0")
    with pytest.raises(InputError, match=r"config 'v2\.0\.0' holds corpus 2\.0\.0"):
        load(config="v2.0.0", version="1.0.0")
