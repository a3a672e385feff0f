from __future__ import annotations

import json
from importlib import resources

import pytest

from denialbench import RecordError
from denialbench.corpus import LABELS, SUBTYPES, check_record, record_schema


def _record(**overrides):
    base = {
        "id": "x-1",
        "claim": "The Gazette reported that Ann met Bo.",
        "claim_source": "The Gazette",
        "response": "They never met.",
        "speaker": "Ann's office",
        "label": "deny",
        "subtype": "explicit",
        "tags": ["negation"],
        "domain": "politics",
        "style": "statement",
        "group": "x",
        "split": "test",
        "source_url": None,
        "source": None,
    }
    base.update(overrides)
    return base


def test_shipped_schema_file_matches_the_code():
    shipped = json.loads(
        (resources.files("denialbench.corpus") / "record.schema.json").read_text("utf-8")
    )
    assert shipped == record_schema()


def test_valid_record_passes():
    check_record(_record(), "f.jsonl:1")


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"label": "maybe"}, "'label'"),
        ({"subtype": "reluctant"}, "'subtype' must be one of"),
        ({"label": "unrelated", "subtype": "explicit"}, "[None]"),
        ({"tags": ["spicy"]}, "tags"),
        ({"domain": "weather"}, "'domain'"),
        ({"claim": ""}, "'claim'"),
        ({"extra": 1}, "allowed fields"),
    ],
)
def test_bad_records_name_file_line_and_field(overrides, needle):
    with pytest.raises(RecordError) as info:
        check_record(_record(**overrides), "data/test.jsonl:7")
    assert str(info.value).startswith("data/test.jsonl:7: ")
    assert needle in str(info.value)


def test_missing_field_is_named():
    record = _record()
    del record["speaker"]
    with pytest.raises(RecordError, match=r"missing field.*'speaker'"):
        check_record(record, "f:1")


def test_every_label_has_its_subtypes():
    assert set(SUBTYPES) == set(LABELS)
    assert SUBTYPES["unrelated"] == ()
