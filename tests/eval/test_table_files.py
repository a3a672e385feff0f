"""Reading user JSONL/CSV tables: the nesting guard that keeps Arrow's parser from crashing."""

from __future__ import annotations

import json

import pytest

from denialbench import InputError
from denialbench.eval._table_files import MAX_JSON_OPENERS_PER_LINE, read_table


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_ordinary_rows_with_lists_and_objects_pass(tmp_path):
    rows = [json.dumps({"id": str(i), "tags": ["a", "b"], "x": {"y": [1]}}) for i in range(1500)]
    table = read_table(_write(tmp_path / "t.jsonl", rows)).table
    assert table.num_rows == 1500


@pytest.mark.parametrize("depth", [10_000, 100_000])
def test_deep_nesting_is_refused_with_its_line(tmp_path, depth):
    rows = [json.dumps({"id": str(i), "tags": ["a"]}) for i in range(1200)]
    rows[700] = '{"id": "deep", "v": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(InputError, match=r"t.jsonl:701: the line opens"):
        read_table(_write(tmp_path / "t.jsonl", rows))


def test_nested_objects_without_lists_are_caught_too(tmp_path):
    deep = '{"a": ' * MAX_JSON_OPENERS_PER_LINE + "1" + "}" * MAX_JSON_OPENERS_PER_LINE
    with pytest.raises(InputError, match=r"t.jsonl:2:"):
        read_table(_write(tmp_path / "t.jsonl", ['{"id": "a"}', deep]))


def test_just_under_the_limit_is_parsed(tmp_path):
    depth = MAX_JSON_OPENERS_PER_LINE - 2  # plus the row's own object
    line = '{"id": "a", "v": ' + "[" * depth + "]" * depth + "}"
    assert read_table(_write(tmp_path / "t.jsonl", [line])).table.num_rows == 1


def test_many_long_lines_are_counted_at_once(tmp_path):
    from denialbench.eval import _table_files

    text = "x" * (MAX_JSON_OPENERS_PER_LINE + 10)
    rows = [
        json.dumps({"id": str(i), "claim": text}) for i in range(_table_files._FEW_LONG_LINES + 5)
    ]
    assert read_table(_write(tmp_path / "ok.jsonl", rows)).table.num_rows == len(rows)
    depth = 2 * MAX_JSON_OPENERS_PER_LINE
    rows[-2] = '{"id": "deep", "v": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(InputError, match=rf"t.jsonl:{len(rows) - 1}: the line opens"):
        read_table(_write(tmp_path / "t.jsonl", rows))
