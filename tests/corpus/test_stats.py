from __future__ import annotations

import json

import pytest

from denialbench.corpus import LABELS, stats, stats_markdown


def test_stats_tables_cover_every_item(frames):
    result = stats()
    total = sum(len(f) for f in frames.values())
    assert result["measures"]["items"] == total
    labels_table = result["tables"][0]
    all_row = next(r for r in labels_table["rows"] if r[0] == "all")
    assert all_row[1] == total
    counted = sum(int(cell.split()[0]) for cell in all_row[2:])
    assert counted == total


def test_stats_titles_and_markdown():
    result = stats()
    titles = [t["title"] for t in result["tables"]]
    for needle in ("split and label", "Subtypes", "Domains", "Styles", "tags", "Length", "cue"):
        assert any(needle in t for t in titles), needle
    md = stats_markdown(result)
    assert md.count("|---|") >= len(result["tables"])
    assert "deny" in md


@pytest.mark.slow  # stats of the whole corpus through the CLI; CI runs it in `pytest -m slow`
def test_cli_stats_json_and_tables(cli):
    out = cli("corpus", "stats", "--json")
    assert out.exit_code == 0
    parsed = json.loads(out.output)
    assert parsed["lexicon"] and "not" in parsed["lexicon"]
    table = cli("corpus", "stats")
    assert table.exit_code == 0
    for label in LABELS:
        assert label in table.output
