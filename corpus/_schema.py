"""The record schema: labels, subtypes, tags, domains, and per-row checks.

The Python constants are the source of truth; ``record.schema.json`` beside
this module is the same schema as a JSON Schema file for users outside Python
(a test keeps the two identical).
"""

from __future__ import annotations

import functools
from typing import Any

from denialbench._errors import RecordError

__all__ = [
    "COMPUTED_TAGS",
    "DOMAINS",
    "LABELS",
    "SPLITS",
    "STYLES",
    "SUBTYPES",
    "TAGS",
    "check_record",
    "record_schema",
]

#: Label names in ClassLabel order: index i of the ``label`` feature is LABELS[i].
LABELS: tuple[str, ...] = ("deny", "confirm", "evade", "unrelated")

#: Subtypes allowed for each label; ``unrelated`` carries none (``null``).
SUBTYPES: dict[str, tuple[str, ...]] = {
    "deny": ("explicit", "dismissive", "partial", "counter_claim"),
    "confirm": ("explicit", "reluctant", "corroborating"),
    "evade": ("no_comment", "non_denial", "hedge", "question"),
    "unrelated": (),
}

TAGS: tuple[str, ...] = (
    "no_cue",
    "cue_distractor",
    "negation",
    "double_negation",
    "reported_speech",
    "sarcasm",
    "hedge",
    "partial",
    "counter_claim",
    "temporal",
    "third_party",
    "long",
)

#: Tags the package derives from the text, so they never drift from the lexicon.
COMPUTED_TAGS: frozenset[str] = frozenset({"no_cue", "cue_distractor", "long"})

DOMAINS: tuple[str, ...] = (
    "politics",
    "business",
    "sports",
    "crime_justice",
    "health_science",
    "entertainment",
    "technology",
    "international",
)

#: The register of the response.
STYLES: tuple[str, ...] = (
    "wire",
    "statement",
    "interview",
    "press_conference",
    "social_post",
    "court_police",
)

SPLITS: tuple[str, ...] = ("train", "validation", "test")

_REQUIRED = (
    "id",
    "claim",
    "claim_source",
    "response",
    "speaker",
    "label",
    "subtype",
    "tags",
    "domain",
    "style",
    "group",
    "split",
)


def subtype_rules(*, null_allowed: bool) -> list[dict[str, Any]]:
    """JSON Schema if/then rules tying each label to its subtypes.

    ``null_allowed`` also admits a null subtype for labels that have subtypes
    (the real split's annotators may leave the subtype open).
    """
    return [
        {
            "if": {"properties": {"label": {"const": label}}},
            "then": {
                "properties": {
                    "subtype": (
                        {"enum": [*subtypes, None] if null_allowed else list(subtypes)}
                        if subtypes
                        else {"type": "null"}
                    )
                }
            },
        }
        for label, subtypes in SUBTYPES.items()
    ]


@functools.cache
def record_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of one corpus record."""
    text = {"type": "string", "minLength": 1}
    rules = subtype_rules(null_allowed=False)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://denialbench.org/schemas/record-1.json",
        "title": "DenialBench corpus record",
        "type": "object",
        "required": list(_REQUIRED),
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9_.-]+$"},
            "claim": text,
            "claim_source": text,
            "response": text,
            "speaker": text,
            "label": {"enum": list(LABELS)},
            "subtype": {"type": ["string", "null"]},
            "tags": {"type": "array", "items": {"enum": list(TAGS)}, "uniqueItems": True},
            "domain": {"enum": list(DOMAINS)},
            "style": {"enum": list(STYLES)},
            "group": {"type": "string", "pattern": "^[a-z0-9_.-]+$"},
            "split": {"enum": list(SPLITS)},
            "source_url": {"type": ["string", "null"], "format": "uri"},
            "source": {"type": ["string", "null"]},
            # 2.0.0 on (absent in 1.x files): the blind annotators' label
            # counts of an evaluation item (null in train), and whether no
            # label won two thirds of them (kept out of the headline score)
            "annotations": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": list(LABELS),
                        "additionalProperties": False,
                        "properties": {k: {"type": "integer", "minimum": 0} for k in LABELS},
                    },
                ]
            },
            "ambiguous": {"type": "boolean"},
        },
        "allOf": rules,
    }


@functools.cache
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(record_schema())


def check_record(record: Any, where: str) -> None:
    """Raise :class:`RecordError` naming ``where`` and the field when invalid.

    ``where`` is a "file:line" string put at the front of the message.
    """
    errors = sorted(_validator().iter_errors(record), key=lambda e: list(e.path))
    if not errors:
        return
    err = errors[0]
    field = ".".join(str(p) for p in err.path) or "(record)"
    if err.validator == "required":
        missing = [f for f in _REQUIRED if f not in record]
        listed = ", ".join(repr(m) for m in missing)
        msg = f"missing field(s) {listed}; every record needs {_REQUIRED}"
    elif err.validator == "additionalProperties":
        msg = f"{err.message}; allowed fields are {sorted(record_schema()['properties'])}"
    elif field == "subtype":
        label = record.get("label")
        allowed: list[str | None] = list(SUBTYPES.get(label, ())) or [None]
        got = record.get("subtype")
        msg = f"'subtype' must be one of {allowed} for label {label!r} (got {got!r})"
    else:
        msg = f"{field!r} {err.message}"
    raise RecordError(f"{where}: {msg}")
