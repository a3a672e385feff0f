"""corpus/croissant.json: the Croissant 1.0 metadata, with the RAI fields.

Written with mlcroissant's own classes so that the JSON-LD context is the
one its validator expects; `denialbench docs` regenerates it (the SHA-256 of
each split file is in it) and `docs --check` keeps it current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from denialbench._errors import InputError

__all__ = ["croissant_metadata"]

_FIELDS = {
    "id": "Item id: <group>-<nn>.",
    "claim": "The claim: a proposition somebody asserted or reported, with its attribution.",
    "claim_source": "Who made or reported the claim.",
    "response": "What the responding party said, quoted or reported.",
    "speaker": "Who responds.",
    "label": "Stance of the response toward the claim: deny, confirm, evade or unrelated.",
    "subtype": "Subtype of the label (null for unrelated).",
    "domain": "Topic domain of the story.",
    "style": "Register of the response (wire, statement, interview, ...).",
    "group": "The story the item belongs to; contrast items share it; splits are made by group.",
    "split": "train, validation or test.",
}


def croissant_metadata(root: Path) -> dict[str, Any]:
    try:
        import mlcroissant as mlc
    except ImportError:
        raise InputError(
            "`denialbench docs` writes and checks corpus/croissant.json with mlcroissant, which "
            "is not installed; install the test extra: pip install 'denialbench[test]'"
        ) from None

    from denialbench.corpus._version import CORPUS_VERSION

    checksums = json.loads((root / "corpus" / "data" / "checksums.json").read_text("utf-8"))
    distribution = [
        mlc.FileObject(
            id=f"{split}-jsonl",
            name=f"{split}.jsonl",
            content_url=f"data/{split}.jsonl",
            encoding_formats=["application/jsonlines"],
            sha256=sha,
            description=f"The {split} split, one JSON record per line.",
        )
        for split, sha in checksums["sha256"].items()
    ]
    record_sets = []
    for split in checksums["sha256"]:
        fields = [
            mlc.Field(
                id=f"{split}/{name}",
                name=name,
                description=text,
                data_types=[mlc.DataType.TEXT],
                source=mlc.Source(file_object=f"{split}-jsonl", extract=mlc.Extract(column=name)),
            )
            for name, text in _FIELDS.items()
        ]
        record_sets.append(
            mlc.RecordSet(
                id=split, name=split, fields=fields, description=f"Records of the {split} split."
            )
        )
    metadata = mlc.Metadata(
        name="DenialBench",
        description=(
            "Claim/response pairs labelled with the stance of the response toward the claim "
            "(deny, confirm, evade, unrelated), with subtypes, phenomenon tags and contrast "
            "groups, for benchmarking denial detection."
        ),
        license=["https://creativecommons.org/licenses/by/4.0/"],
        url="https://github.com/denialbench/denialbench",
        version=CORPUS_VERSION,
        cite_as="DenialBench developers. DenialBench: a benchmark for denial detection. 2026.",
        keywords=["denial detection", "stance detection", "benchmark", "fact-checking"],
        in_language=["en"],
        date_published="2026-11-27",
        distribution=distribution,
        record_sets=record_sets,
        data_collection=(
            "Not collected: every item but one was written for this project by LLM-based "
            "writing agents working from the project's annotation guidelines "
            "(corpus/GUIDELINES.md), one agent per domain, with invented people, places and "
            "organisations. One item is quoted from a real news report (TRT World, 2024-11-11)."
        ),
        data_collection_type=["Synthetic data generation", "Manual curation"],
        data_annotation_protocol=(
            "Labels were assigned by the writers under corpus/GUIDELINES.md. A stratified sample "
            "of at least 600 test items was labelled blind by an independent annotator agent "
            "that saw only the guidelines and the texts; disagreements were adjudicated and "
            "wrong gold labels fixed (corpus/agreement/)."
        ),
        data_annotation_platform=["LLM agents with project-written checking scripts"],
        data_annotation_analysis=(
            "Cohen's kappa and per-label agreement: `denialbench corpus agreement`."
        ),
        data_biases=(
            "English only, news register of invented anglophone places; stances are written to "
            "quotas (label shares, cue-free denials, contrast groups) rather than sampled from "
            "real news, so label and phenomenon frequencies differ from the wild."
        ),
        data_limitations=(
            "Synthetic text written by language-model agents: its phrasing may be more regular "
            "than real quotes. Scores on DenialBench need confirming on real news data."
        ),
        data_use_cases=[
            "Evaluating and training denial/stance detection models on claim/response pairs."
        ],
        data_social_impact=(
            "Meant to help fact-checkers triage responses to reported claims; a model's label is "
            "never proof that a claim is true or false."
        ),
        personal_sensitive_information=(
            "None: all people and organisations are invented, except the quoted public statement "
            "of a government spokesman in the one real item."
        ),
        data_release_maintenance_plan=(
            "Semantic versions; any data change bumps the version and is logged in "
            "corpus/CHANGELOG.md with the new SHA-256 of each split."
        ),
    )
    return metadata.to_json()


def croissant_text(root: Path) -> str:
    return json.dumps(croissant_metadata(root), indent=2, ensure_ascii=False, default=str) + "\n"
