"""The pairs task: the user's own labelled data in CSV, TSV, JSONL or Parquet."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from denialbench._errors import InputError
from denialbench.corpus import LABELS
from denialbench.eval import evaluate_task, load_task
from denialbench.eval._pairs import parse_columns, parse_label_map

ROWS = [
    {
        "key": "p1",
        "headline": "Ship sank",
        "body": "The ship is in port, unharmed",
        "stance": "against",
    },
    {"key": "p2", "headline": "Ship sank", "body": "Divers reached the wreck", "stance": "for"},
    {"key": "p3", "headline": "Ship sank", "body": "No comment from the owners", "stance": "evade"},
]
MAP = {"against": "deny", "for": "confirm"}  # "evade" is already a DenialBench label
COLUMNS = "id=key,claim=headline,response=body,label=stance"


def _write(tmp_path, kind: str):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / f"pairs.{kind}"
    if kind in ("csv", "tsv"):
        buffer = io.StringIO()
        # a BOM, quoting and CRLF line endings, as spreadsheets write them
        writer = csv.writer(buffer, delimiter="," if kind == "csv" else "\t", lineterminator="\r\n")
        writer.writerow(ROWS[0])
        writer.writerows(r.values() for r in ROWS)
        path.write_bytes(("\ufeff" + buffer.getvalue()).encode("utf-8"))
    elif kind == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    else:
        pq.write_table(pa.Table.from_pylist(ROWS), path)
    return path


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl", "parquet"])
def test_every_format_gives_the_same_items(tmp_path, kind):
    task = load_task("pairs", _write(tmp_path, kind), label_map=MAP, columns=parse_columns(COLUMNS))
    assert task.data.id_array().tolist() == ["p1", "p2", "p3"]
    assert [LABELS[g] for g in task.data.gold] == ["deny", "confirm", "evade"]
    assert task.data.response[0] == "The ship is in port, unharmed"
    assert task.task.labels == ("deny", "confirm", "evade")  # only the labels present


def test_without_an_id_column_rows_are_numbered(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(
        "".join(json.dumps({k: v for k, v in r.items() if k != "key"}) + "\n" for r in ROWS)
    )
    task = load_task(
        "pairs",
        path,
        label_map=MAP,
        columns=parse_columns("claim=headline,response=body,label=stance"),
    )
    assert task.data.id_array().tolist() == ["1", "2", "3"]


def test_an_unmapped_label_names_the_row_and_the_fix(tmp_path):
    with pytest.raises(InputError, match=r"row 1.*'against'.*--map 'against=deny'"):
        load_task("pairs", _write(tmp_path, "csv"), columns=parse_columns(COLUMNS))


def test_a_missing_column_suggests_columns(tmp_path):
    with pytest.raises(InputError, match=r"missing column\(s\) claim.*--columns"):
        load_task("pairs", _write(tmp_path, "jsonl"), label_map=MAP)


@pytest.mark.parametrize(
    ("text", "message"),
    [("against", "NAME=VALUE"), ("against=refute", "not one of")],
)
def test_bad_map_option(text, message):
    with pytest.raises(InputError, match=message):
        parse_label_map(text)


def test_bad_columns_option():
    with pytest.raises(InputError, match="'title' is not one of"):
        parse_columns("title=headline")


def test_binary_view_ranks_by_deny_f1(tmp_path):
    class AllDeny:
        def predict(self, frame):
            return np.array(["deny"] * len(frame), dtype=object)

    result = evaluate_task(
        AllDeny(),
        "pairs",
        _write(tmp_path, "jsonl"),
        label_map=MAP,
        columns=parse_columns(COLUMNS),
        binary=True,
        n_bootstrap=20,
    )
    task = result.content["task"]
    assert task["view"] == "binary" and task["main_score"] == "deny_f1_score"
    assert task["scores"]["deny_recall_score"]["value"] == 1.0
    assert task["scores"]["deny_precision_score"]["value"] == pytest.approx(1 / 3)
    assert {"ci_low", "ci_high"} <= set(task["scores"]["deny_f1_score"])
