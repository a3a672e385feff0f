"""Writing the candidate pool: ``corpus/sources/real/candidates.jsonl``.

``denialbench corpus real extract`` reads both briefing collections, selects
the exchanges (:mod:`denialbench.corpus._real_selection`) and writes one line
per exchange, plus ``provenance.json``: the repositories, the commits read,
file counts and the number of candidates per source and per pattern.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from denialbench.corpus._briefing_sources import (
    SourceRepo,
    read_obama_briefings,
    read_wh_briefings,
)
from denialbench.corpus._io import atomic_write_text, write_jsonl
from denialbench.corpus._real_selection import PATTERNS, candidates
from denialbench.corpus._speakers import SpeakerResolver

__all__ = ["SOURCES", "write_candidate_pool"]

#: The collections read, with where they come from and under which terms.
SOURCES: dict[str, dict[str, str]] = {
    "wh-briefings": {
        "repository": "https://github.com/brian14708/wh-briefings",
        "files": "press-briefings/YYYY-MM/*.md",
        "licence": "CC0 1.0 (the repository); the transcripts are works of the "
        "US federal government, in the public domain (17 U.S.C. 105)",
    },
    "obama-briefings": {
        "repository": "https://github.com/RIstiaque/Country-Counting-from-Press-Briefings",
        "files": "pressBriefings/N.html, URLs and dates from indexPages/N.html",
        "licence": "no licence file; the transcripts are works of the US federal "
        "government, in the public domain (17 U.S.C. 105); only the transcript "
        "text is used, none of the repository's code",
    },
}

#: At most this many candidates are kept; see :func:`_keep`.
MAX_CANDIDATES = 3500


def _keep(pool: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Keep at most ``limit`` candidates, the most explicit patterns first.

    Within a pattern the order is the exchange id (a hash), so what is cut is
    deterministic and spread over all briefings.
    """
    if len(pool) <= limit:
        return pool
    rank = {name: i for i, (name, _) in enumerate(PATTERNS)}
    ordered = sorted(pool, key=lambda c: (rank[c["matched_pattern"]], c["id"]))
    return ordered[:limit]


def write_candidate_pool(
    wh_dir: Path, obama_dir: Path, out_dir: Path, *, limit: int = MAX_CANDIDATES
) -> dict[str, Any]:
    """Read both collections, write ``candidates.jsonl`` and ``provenance.json``.

    Returns the provenance record (also written to ``provenance.json``).
    """
    wh, obama = SourceRepo.open(wh_dir), SourceRepo.open(obama_dir)
    wh_briefings = read_wh_briefings(wh)
    obama_briefings, mismatched_titles = read_obama_briefings(obama)
    resolvers = {
        "wh-briefings": SpeakerResolver([(b.date, b.title) for b in wh_briefings]),
        "obama-briefings": SpeakerResolver([(b.date, b.title) for b in obama_briefings]),
    }
    counts: dict[str, Counter[str]] = {}
    pool: list[dict[str, Any]] = []
    seen_urls: set[str] = set()
    for source, briefings in (("wh-briefings", wh_briefings), ("obama-briefings", obama_briefings)):
        counts[source] = Counter()
        # The 2009-2016 index pages list some briefings twice (a listing that
        # shifted while it was paged through): one URL, one briefing.
        unique = []
        for briefing in briefings:
            if briefing.source_url in seen_urls:
                counts[source]["duplicate_briefing_url"] += 1
                continue
            seen_urls.add(briefing.source_url)
            unique.append(briefing)
        pool.extend(candidates(unique, resolvers, counts[source]))
    kept = _keep(pool, limit)
    kept.sort(key=lambda c: (c["date"], c["source_url"], c["question_turn"]))
    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(out_dir / "candidates.jsonl", kept)
    provenance = {
        "sources": {
            name: {
                **SOURCES[name],
                "period": f"{min(b.date for b in briefings)} to {max(b.date for b in briefings)}",
                "commit": repo.commit,
                "briefings": len(briefings),
                "exchanges": counts[name]["exchanges"],
                "selected": sum(v for k, v in counts[name].items() if k.startswith("pattern:")),
                "kept": sum(c["source"] == name for c in kept),
                "dropped": {
                    k: v
                    for k, v in sorted(counts[name].items())
                    if not k.startswith("pattern:") and k != "exchanges"
                },
                "per_pattern": {p: counts[name][f"pattern:{p}"] for p, _ in PATTERNS},
            }
            for name, repo, briefings in (
                ("wh-briefings", wh, wh_briefings),
                ("obama-briefings", obama, obama_briefings),
            )
        },
        "obama_titles_differing_from_index": mismatched_titles,
        "candidates": len(kept),
        "cut_by_limit": len(pool) - len(kept),
        "limit": limit,
        "kept_per_pattern": dict(Counter(c["matched_pattern"] for c in kept).most_common()),
    }
    atomic_write_text(out_dir / "provenance.json", json.dumps(provenance, indent=2) + "\n")
    return provenance
