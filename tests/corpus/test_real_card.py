"""The `real` config of the dataset card and the real record schema file."""

from __future__ import annotations

import json
import shutil
from importlib import resources

import datasets
import yaml
from real_fixtures import make_real_root

from denialbench.corpus._loading import real_features
from denialbench.corpus._real_build import build_real
from denialbench.corpus._real_schema import REAL_SPLITS, real_record_schema


def _card_header(repo) -> dict:
    text = (repo / "corpus" / "README.md").read_text("utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def test_schema_file_matches_the_python_schema():
    shipped = (resources.files("denialbench.corpus") / "real_record.schema.json").read_text("utf-8")
    assert json.loads(shipped) == real_record_schema()


def test_card_declares_the_real_config_and_its_features(repo):
    header = _card_header(repo)
    real = next(c for c in header["configs"] if c["config_name"] == "real")
    assert [f["split"] for f in real["data_files"]] == list(REAL_SPLITS)
    info = next(i for i in header["dataset_info"] if i["config_name"] == "real")
    assert [f["name"] for f in info["features"]] == list(real_features())


def test_hf_load_dataset_reads_the_real_config(repo, tmp_path):
    root = make_real_root(tmp_path)
    (root / "sources" / "real" / "splits.json").write_text(
        json.dumps({"real_test": 1.0, "real_validation": 0.0, "real_train": 0.0})
    )
    build_real(root)
    card = tmp_path / "card"
    (card / "data").mkdir(parents=True)
    shutil.copy(repo / "corpus" / "README.md", card / "README.md")
    for split in ("train", "validation", "test"):
        shutil.copy(repo / "corpus" / "data" / f"{split}.jsonl", card / "data")
    records = (root / "data" / "real_test.jsonl").read_text().splitlines()
    (card / "data" / "real_test.jsonl").write_text("\n".join(records) + "\n")
    # an empty file cannot be typed: the other two splits get one record each
    for split in ("real_train", "real_validation"):
        (card / "data" / f"{split}.jsonl").write_text(records[0] + "\n")
    ds = datasets.load_dataset(str(card), "real", cache_dir=str(tmp_path / "hf"))
    assert set(ds) == set(REAL_SPLITS)
    assert len(ds["real_test"]) == len(records)
    assert ds["real_test"].features == real_features()


def test_card_figures_come_from_the_files(tmp_path):
    from denialbench.corpus._real_stats import real_markdown

    root = make_real_root(tmp_path)
    assert "No real items are built yet" in real_markdown(root)
    summary = build_real(root)
    text = real_markdown(root)
    assert f"{summary['items']} items; {summary['ambiguous']} ambiguous" in text
    assert "| wh-briefings |" in text and "| do_you_deny |" in text


def test_card_real_block_is_current(repo):
    from denialbench._docs import real_text

    card = (repo / "corpus" / "README.md").read_text("utf-8")
    block = card.split("<!-- BEGIN GENERATED: real -->\n")[1].split("<!-- END GENERATED")[0]
    assert block == real_text(repo)
