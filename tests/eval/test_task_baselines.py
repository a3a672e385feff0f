"""The baselines' transfer table: generated from a record, tested on the fixtures."""

from __future__ import annotations

import pytest
from task_fixtures import write_emergent, write_fnc1, write_rumoureval

from denialbench.eval._task_baselines import (
    score_baselines_on_tasks,
    task_scores_markdown,
    task_scores_text,
    write_scores,
)
from denialbench.eval._task_run import _bundled_split_is_empty

# DenialBench-Real ships empty until its annotated data is added; then it is scored
_EMPTY_REAL_TEST = (
    {"denialbench:real_test": "its bundled split is empty"}
    if _bundled_split_is_empty("real_test")
    else {}
)


@pytest.mark.slow  # scores two baselines on every task, the bundled splits included
def test_the_table_generator_on_the_fixtures(tmp_path):
    root = tmp_path / "copies"
    write_fnc1(root / "fnc1")
    write_emergent(root / "emergent")
    write_rumoureval(root / "rumoureval")
    record = score_baselines_on_tasks(
        root, names=["majority", "cue_rules"], n_bootstrap=10, today="2026-01-02"
    )
    scored_real = set() if _EMPTY_REAL_TEST else {"denialbench:real_test"}
    expected = {"denialbench:test", "fnc1", "emergent", "rumoureval2019", *scored_real}
    assert set(record["tasks"]) == expected
    assert record["skipped"] == _EMPTY_REAL_TEST
    assert set(record["scores"]) == {"majority", "cue_rules"}
    assert set(record["scores"]["majority"]["fnc1"]) == {"macro_f1_score", "fnc1_relative_score"}
    text = task_scores_markdown(record)
    assert "Scored on 2026-01-02" in text
    assert "| baseline | denialbench:test macro_f1 |" in text
    assert "| fnc1 macro_f1 | fnc1 fnc1_relative |" in text
    assert text.count("\n| majority |") == 1 and text.count("\n| cue_rules |") == 1
    assert record["tasks"]["fnc1"]["sha256"][:16] in text
    assert "No external task data" not in text
    write_scores(record, tmp_path)
    assert task_scores_text(tmp_path) == text


def test_without_copies_the_table_says_so(tmp_path):
    record = score_baselines_on_tasks(None, names=["majority"], n_bootstrap=0, today="2026-01-02")
    assert set(record["skipped"]) == {"fnc1", "emergent", "rumoureval2019", *_EMPTY_REAL_TEST}
    text = task_scores_markdown(record)
    assert "No external task data was found" in text
    assert "Not scored (no copy found): emergent, fnc1, rumoureval2019." in text


def test_no_record_yet(tmp_path):
    assert "No task scores recorded yet" in task_scores_text(tmp_path)
