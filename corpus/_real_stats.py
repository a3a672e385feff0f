"""The figures of the DenialBench-Real card section, from the project's own files.

`denialbench docs` writes them between the ``real`` markers of
corpus/README.md: the sources and commits read, the candidates per pattern
(``sources/real/provenance.json``), and the built splits with their label
counts, ambiguous share and agreement (``data/real_checksums.json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from denialbench.corpus._real_schema import REAL_SPLITS
from denialbench.corpus._schema import LABELS

__all__ = ["real_markdown"]


def _table(columns: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def _sources(provenance: dict[str, Any]) -> list[str]:
    rows = [
        [
            name,
            source["period"],
            f"`{source['commit'][:12]}`" if source["commit"] else "(folder)",
            source["briefings"],
            source["exchanges"],
            source["selected"],
            source["kept"],
        ]
        for name, source in provenance["sources"].items()
    ]
    columns = ["collection", "period", "commit", "briefings", "Q/A exchanges", "selected", "kept"]
    twice = sum(
        s["dropped"].get("duplicate_briefing_url", 0) for s in provenance["sources"].values()
    )
    lines = [
        "**Sources and candidate exchanges**",
        "",
        *_table(columns, rows),
        "",
        f"2009-2016 files whose title differs from their index link: "
        f"{provenance['obama_titles_differing_from_index']}; briefings listed twice, "
        f"kept once: {twice}.",
        "",
    ]
    patterns = list(next(iter(provenance["sources"].values()))["per_pattern"])
    rows = [
        [
            p,
            *(s["per_pattern"][p] for s in provenance["sources"].values()),
            provenance["kept_per_pattern"].get(p, 0),
        ]
        for p in patterns
    ]
    names = list(provenance["sources"])
    lines += [
        "**Selected exchanges per pattern** (the first pattern a question matches; "
        f"{provenance['cut_by_limit']} of the least explicit were cut at the limit of "
        f"{provenance['limit']})",
        "",
        *_table(["pattern", *names, "kept"], rows),
        "",
    ]
    return lines


def _splits(summary: dict[str, Any]) -> list[str]:
    if not summary.get("items"):
        return [
            "No real items are built yet: the extractions and annotations are not in "
            "`corpus/sources/real/`. `denialbench corpus real build` writes the splits.",
            "",
        ]
    rows = []
    for split in REAL_SPLITS:
        s = summary["splits"][split]
        headline = s["labels_headline"]
        rows.append(
            [split, s["items"], s["briefings"], sum(headline.values())]
            + [headline.get(label, 0) for label in LABELS]
        )
    columns = ["split", "items", "briefings", "headline items", *LABELS]
    kappa = summary["fleiss_kappa"]
    share = summary["ambiguous"] / summary["items"]
    return [
        "**Built splits** (label counts of the headline items, those with a 2/3 "
        "annotator majority)",
        "",
        *_table(columns, rows),
        "",
        f"{summary['items']} items; {summary['ambiguous']} ambiguous ({share:.1%}), kept "
        f"in the files but out of the headline score; {summary['constructed']} constructed "
        f"pairs; {summary['adjudicated']} adjudicated. Agreement of the "
        f"{summary['min_annotators']}+ blind annotators: Fleiss' kappa "
        f"{'n/a' if kappa is None else f'{kappa:.3f}'}.",
        "",
        "Size targets (headline items): "
        + "; ".join(
            f"{name} {t['actual']}/{t['target']}{'' if t['met'] else ' (not met)'}"
            for name, t in summary["targets"].items()
        )
        + ".",
        "",
    ]


def real_markdown(corpus_root: Path | str) -> str:
    """The Markdown of the generated ``real`` block of the card."""
    root = Path(corpus_root)
    lines: list[str] = []
    provenance = root / "sources" / "real" / "provenance.json"
    if provenance.exists():
        lines += _sources(json.loads(provenance.read_text("utf-8")))
    checksums = root / "data" / "real_checksums.json"
    summary = json.loads(checksums.read_text("utf-8")) if checksums.exists() else {}
    lines += _splits(summary)
    return "\n".join(lines).rstrip("\n") + "\n"
