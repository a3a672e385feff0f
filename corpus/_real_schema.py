"""The record schema of DenialBench-Real (``data/real_*.jsonl``).

The synthetic splits keep their 1.0.0 schema (:mod:`._schema`); the real
splits are a separate config with their own fields: the real speaker, the
briefing, the full question, the annotators' label counts.
``real_record.schema.json`` beside this module is the same schema as a file
(a test keeps the two identical).
"""

from __future__ import annotations

import functools
from typing import Any

from denialbench._errors import RecordError
from denialbench.corpus._schema import LABELS, TAGS, subtype_rules

__all__ = ["COLLECTIONS", "REAL_SPLITS", "check_real_record", "real_record_schema"]

REAL_SPLITS: tuple[str, ...] = ("real_train", "real_validation", "real_test")

#: The briefing collections the items come from.
COLLECTIONS: tuple[str, ...] = ("wh-briefings", "obama-briefings")

_REQUIRED = (
    "id",
    "claim",
    "response",
    "label",
    "subtype",
    "annotations",
    "ambiguous",
    "adjudication",
    "constructed",
    "tags",
    "speaker",
    "speaker_title",
    "question",
    "source_url",
    "date",
    "briefing_title",
    "briefing_id",
    "collection",
    "claim_turn",
    "response_turn",
    "split",
)


@functools.cache
def real_record_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one DenialBench-Real record."""
    text = {"type": "string", "minLength": 1}
    rules = subtype_rules(null_allowed=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://denialbench.org/schemas/real-record-1.json",
        "title": "DenialBench-Real record",
        "type": "object",
        "required": list(_REQUIRED),
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^real-[0-9a-f]{12}$"},
            "claim": text,
            "response": text,
            "label": {"enum": list(LABELS)},
            "subtype": {"type": ["string", "null"]},
            "annotations": {
                "type": "object",
                "required": list(LABELS),
                "additionalProperties": False,
                "properties": {name: {"type": "integer", "minimum": 0} for name in LABELS},
            },
            "ambiguous": {"type": "boolean"},
            "adjudication": {"type": ["string", "null"]},
            "constructed": {"type": "boolean"},
            "tags": {"type": "array", "items": {"enum": list(TAGS)}, "uniqueItems": True},
            "speaker": text,
            "speaker_title": {"type": ["string", "null"]},
            "question": text,
            "source_url": {"type": "string", "format": "uri", "pattern": "^https://"},
            "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "briefing_title": text,
            "briefing_id": {"type": "string", "pattern": "^wh-[0-9a-f]{10}$"},
            "collection": {"enum": list(COLLECTIONS)},
            "claim_turn": {"type": "integer", "minimum": 0},
            "response_turn": {"type": "integer", "minimum": 0},
            "split": {"enum": list(REAL_SPLITS)},
        },
        "allOf": rules,
    }


@functools.cache
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(real_record_schema())


def check_real_record(record: Any, where: str) -> None:
    """Raise :class:`RecordError` naming ``where`` and the field when invalid."""
    errors = sorted(_validator().iter_errors(record), key=lambda e: list(e.path))
    if not errors:
        return
    err = errors[0]
    field = ".".join(str(p) for p in err.path) or "(record)"
    if err.validator == "required":
        missing = [f for f in _REQUIRED if f not in record]
        msg = (
            f"missing field(s) {', '.join(map(repr, missing))}; every real record needs {_REQUIRED}"
        )
    else:
        msg = f"{field!r} {err.message}"
    raise RecordError(f"{where}: {msg}")
