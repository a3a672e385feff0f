"""`corpus real validate`: the real splits and their sources, checked end to end.

Every failure is one line naming the file, the line and the item or exchange
id; any failure exits 2 (the sources or the built files need fixing):

* extraction lines that fail the span or claim check, annotation lines with a
  bad label, id or annotator, items that no longer match their extraction;
* records that break the real schema or sit in the wrong split file;
* a response that is not an exact span of its reply turn (after whitespace
  normalisation) in candidates.jsonl;
* a briefing, or an id, in two splits;
* split files that differ from what `corpus real build` would write now, or
  from the SHA-256 in ``real_checksums.json``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from denialbench._errors import RecordError
from denialbench.corpus._io import iter_jsonl, sha256_file
from denialbench.corpus._real_build import assemble, read_sources
from denialbench.corpus._real_extractions import RealDataError, response_in_reply
from denialbench.corpus._real_schema import REAL_SPLITS, check_real_record
from denialbench.corpus._real_selection import exchange_id

__all__ = ["candidates_against_transcripts", "validate_real"]


def _check_file(
    path: Path,
    split: str,
    candidates: dict[str, dict[str, Any]],
    briefing_split: dict[str, str],
    id_where: dict[str, str],
    problems: list[str],
) -> list[dict[str, Any]]:
    records = []
    for number, record in iter_jsonl(path):
        where = f"{path}:{number}"
        try:
            check_real_record(record, where)
        except RecordError as exc:
            problems.append(str(exc))
            continue
        item = record["id"]
        if record["split"] != split:
            problems.append(f"{where}: {item}: says split {record['split']!r} in the {split} file")
        if item in id_where:
            problems.append(f"{where}: {item}: id also at {id_where[item]}")
        id_where[item] = where
        first = briefing_split.setdefault(record["briefing_id"], split)
        if first != split:
            problems.append(
                f"{where}: {item}: briefing {record['briefing_id']} ({record['source_url']}) "
                f"is in both {first} and {split}"
            )
        reply = candidates.get(exchange_id(record["source_url"], record["response_turn"] - 1))
        if reply is None or not response_in_reply(record["response"], reply["reply"]):
            problems.append(
                f"{where}: {item}: the response is not an exact span of reply turn "
                f"{record['response_turn']} of {record['source_url']}"
            )
        records.append(record)
    return records


def candidates_against_transcripts(
    candidates: dict[str, dict[str, Any]], wh_dir: Path, obama_dir: Path
) -> list[str]:
    """Problems where a candidate's question or reply is not its transcript's turn."""
    from denialbench.corpus._briefing_sources import (
        SourceRepo,
        read_obama_briefings,
        read_wh_briefings,
    )
    from denialbench.corpus._real_selection import strip_reporter

    briefings = read_wh_briefings(SourceRepo.open(wh_dir))
    briefings += read_obama_briefings(SourceRepo.open(obama_dir))[0]
    turns: dict[Any, Any] = {}
    for briefing in briefings:
        for turn in briefing.turns:
            turns.setdefault(exchange_id(briefing.source_url, turn.index), turn)
    problems = []
    for item_id, candidate in candidates.items():
        asked = turns.get(item_id)
        reply = turns.get(exchange_id(candidate["source_url"], candidate["question_turn"] + 1))
        if asked is None or reply is None:
            problems.append(f"candidates.jsonl: {item_id}: no such turn in the transcripts")
        elif reply.text != candidate["reply"]:
            problems.append(f"candidates.jsonl: {item_id}: 'reply' differs from the transcript")
        elif strip_reporter(asked.text) != candidate["question"]:
            problems.append(f"candidates.jsonl: {item_id}: 'question' differs from the transcript")
    return problems


def validate_real(
    root: Path | str, *, transcripts: tuple[Path, Path] | None = None
) -> dict[str, Any]:
    """Check the real splits of the corpus folder ``root``; raise on any failure.

    With ``transcripts`` (the wh-briefings and 2009-2016 folders), every
    candidate's question and reply are also checked against the transcripts.
    Returns the summary of :func:`assemble` when everything holds.
    """
    root = Path(root)
    sources = read_sources(root)
    problems = list(sources.problems)
    if transcripts is not None:
        problems += candidates_against_transcripts(sources.candidates, *transcripts)
    expected, summary = assemble(sources)
    data = root / "data"
    briefing_split: dict[str, str] = {}
    id_where: dict[str, str] = {}
    recorded = {}
    checksums = data / "real_checksums.json"
    if checksums.exists():
        recorded = json.loads(checksums.read_text("utf-8")).get("sha256", {})
    by_split: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for split in REAL_SPLITS:
        path = data / f"{split}.jsonl"
        if not path.exists():
            problems.append(f"{path}: missing; run `denialbench corpus real build`")
            continue
        by_split[split] = _check_file(
            path, split, sources.candidates, briefing_split, id_where, problems
        )
        if by_split[split] != expected[split]:
            problems.append(
                f"{path}: differs from what the sources give now; "
                "run `denialbench corpus real build`"
            )
        if recorded.get(split) != sha256_file(path):
            problems.append(f"{path}: SHA-256 differs from {checksums}; run `corpus real build`")
    if problems:
        raise RealDataError(
            f"DenialBench-Real: {len(problems)} problem(s); each line names the file, line and id",
            problems,
        )
    return summary
