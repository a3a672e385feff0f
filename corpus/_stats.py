"""`corpus stats`: the composition tables of the dataset card."""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from denialbench.corpus._lexicon import CUE_WORDS, find_cues
from denialbench.corpus._loading import data_dir, read_split_files
from denialbench.corpus._measures import headline_measures
from denialbench.corpus._schema import DOMAINS, LABELS, SPLITS, STYLES, SUBTYPES, TAGS
from denialbench.corpus._text import word_count
from denialbench.corpus._version import CORPUS_VERSION

__all__ = ["stats", "stats_markdown"]

Table = dict[str, Any]  # {"title", "columns", "rows"}


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    return {"title": title, "columns": columns, "rows": rows}


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def stats(directory: Path | str | None = None) -> dict[str, Any]:
    """Compute the corpus tables; ``directory`` defaults to the bundled data."""
    directory = Path(directory) if directory is not None else data_dir()
    by_split = read_split_files(directory)
    records = [r for s in SPLITS for r in by_split[s]]
    n = len(records)
    tables: list[Table] = []

    rows = []
    for split in (*SPLITS, "all"):
        items = records if split == "all" else by_split[split]
        counts = Counter(r["label"] for r in items)
        rows.append(
            [split, len(items)]
            + [f"{counts[lab]} ({_pct(counts[lab], len(items))})" for lab in LABELS]
        )
    tables.append(_table("Items per split and label", ["split", "items", *LABELS], rows))

    rows = []
    for label in LABELS:
        items = [r for r in records if r["label"] == label]
        counts = Counter(r["subtype"] for r in items)
        for subtype in SUBTYPES[label] or (None,):
            rows.append([label, subtype or "-", counts[subtype], _pct(counts[subtype], len(items))])
    tables.append(
        _table("Subtypes (share of their label)", ["label", "subtype", "items", "share"], rows)
    )

    for key, title, names in (("domain", "Domains", DOMAINS), ("style", "Styles", STYLES)):
        counts = Counter(r[key] for r in records)
        tables.append(
            _table(
                title, [key, "items", "share"], [[k, counts[k], _pct(counts[k], n)] for k in names]
            )
        )

    rows = []
    for tag in TAGS:
        per_label = Counter(r["label"] for r in records if tag in r["tags"])
        total = sum(per_label.values())
        rows.append([tag, total, _pct(total, n)] + [per_label[lab] for lab in LABELS])
    tables.append(_table("Phenomenon tags", ["tag", "items", "share", *LABELS], rows))

    rows = []
    for label in LABELS:
        words = [word_count(r["response"]) for r in records if r["label"] == label]
        claims = [word_count(r["claim"]) for r in records if r["label"] == label]
        if words:
            rows.append(
                [
                    label,
                    min(words),
                    statistics.median(words),
                    round(statistics.fmean(words), 1),
                    max(words),
                    statistics.median(claims),
                ]
            )
    tables.append(
        _table(
            "Length in words",
            [
                "label",
                "response min",
                "response median",
                "response mean",
                "response max",
                "claim median",
            ],
            rows,
        )
    )

    rows = []
    for label in LABELS:
        items = [r for r in records if r["label"] == label]
        cues = [find_cues(r["response"]) for r in items]
        with_cue = sum(bool(c) for c in cues)
        top = Counter(w for c in cues for w in set(c)).most_common(5)
        rows.append(
            [
                label,
                len(items),
                f"{with_cue} ({_pct(with_cue, len(items))})",
                ", ".join(f"{w} {k}" for w, k in top),
            ]
        )
    tables.append(
        _table("Denial-cue words in responses", ["label", "items", "with a cue", "top cues"], rows)
    )

    measures = {"corpus_version": CORPUS_VERSION, **headline_measures(records)}
    tables.append(
        _table(
            "Headline measures",
            ["measure", "value"],
            [[k, f"{v:.1%}" if isinstance(v, float) else v] for k, v in measures.items()],
        )
    )
    return {"measures": measures, "tables": tables, "lexicon": sorted(CUE_WORDS)}


def stats_markdown(result: dict[str, Any]) -> str:
    """Render the tables of :func:`stats` as Markdown, for the dataset card."""
    out = []
    for table in result["tables"]:
        out.append(f"**{table['title']}**\n")
        out.append("| " + " | ".join(table["columns"]) + " |")
        out.append("|" + "---|" * len(table["columns"]))
        out.extend("| " + " | ".join(str(c) for c in row) + " |" for row in table["rows"])
        out.append("")
    return "\n".join(out).rstrip() + "\n"
