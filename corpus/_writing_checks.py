"""Writing checks: signs that a synthetic corpus was written from templates.

- **frames**: the first four tokens of each distinct claim (and response),
  with names and numbers masked; one frame shared by many texts is a template
  a model can learn instead of the task;
- **reused names**: an invented person or organisation that turns up in more
  than one story (group) ties unrelated stories together;
- **unrelated overlap**: how many unrelated items word overlap alone finds
  (shared with :mod:`denialbench.corpus._probes`).

`corpus validate` fails on any of them (since corpus 2.0.0).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from denialbench.corpus._text import _NOT_NAMES

__all__ = [
    "claim_frames",
    "name_reuse",
    "text_frame",
    "writing_checks",
    "writing_measures",
    "writing_problems",
]

#: Most common claim frame: the largest share of distinct claims it may cover.
CLAIM_FRAME_LIMIT = 0.08
#: Most common response frame: the largest share of distinct responses.
RESPONSE_FRAME_LIMIT = 0.02
FRAME_TOKENS = 4
TOP = 10

_TOKEN = re.compile(r"[£$€]?\d[\d.,]*\w*%?|[A-Za-z][A-Za-z'’-]*|[.!?]")
_SENTENCE_END = frozenset(".!?")
# Words of a name span that still make it one name: "Bank of Halvern", "Pellow & Dane".
_CONNECTORS = frozenset(["of", "&", "and", "de", "van", "von", "la", "le", "du", "al"])
_SPAN = re.compile(
    r"[A-Z][A-Za-z'’-]+(?:\s+(?:(?:of|&|and|de|van|von|la|le|du|al)\s+)?[A-Z][A-Za-z'’-]+)*"
)
_POSSESSIVE = re.compile(r"['’]s?$")


def _common_words(texts: Iterable[str]) -> set[str]:
    """Words written in lower case somewhere in the corpus: ordinary words, not names.

    A name ("Halvern") is always capitalised; a word that only starts a
    sentence ("Department") also occurs in lower case elsewhere. This tells
    the two apart without a dictionary.
    """
    common: set[str] = set()
    for text in texts:
        common.update(re.findall(r"\b[a-z][a-z'’-]*", text))
    return common


# Capitalised words that name no invented entity: sentence openers, titles,
# months (shared with named_tokens), and a few that are rarely written in lower case.
_ORDINARY_PROPER = frozenset(
    {w.lower() for w in _NOT_NAMES}
    | {"christmas", "easter", "english", "god", "ok", "tv", "ceo", "internet"}
)


def _is_name(word: str, common: set[str]) -> bool:
    # "I'm", "Halvern's": the part before the apostrophe decides
    stem = re.split(r"['’]", word)[0].lower()
    return word[:1].isupper() and stem not in common and stem not in _ORDINARY_PROPER


def text_frame(text: str, common: set[str], length: int = FRAME_TOKENS) -> str:
    """The first ``length`` tokens of ``text``, names and numbers masked.

    A capitalised word is a ``<name>`` unless it starts a sentence and is an
    ordinary word; a run of names (with ``&``, ``of``) is one ``<name>``, so
    "Pellow & Dane" and "Ruth Abara" give the same frame.

    >>> text_frame("Pellow & Dane will shut 3 stores.", {"will", "shut"})
    '<name> will shut <num>'
    """
    tokens: list[str] = []
    sentence_start = True
    for token in _TOKEN.findall(text):
        if token in _SENTENCE_END:
            sentence_start = True
            continue
        if any(ch.isdigit() for ch in token):
            masked = "<num>"
        elif token[0].isupper() and (not sentence_start or _is_name(token, common)):
            masked = "<name>"
        elif token.lower() in _CONNECTORS and tokens and tokens[-1] == "<name>":
            masked = "<name>"  # "Pellow & Dane": the connector joins one name
        else:
            masked = token.lower()
        sentence_start = False
        if masked == "<name>" and tokens and tokens[-1] == "<name>":
            continue
        tokens.append(masked)
        if len(tokens) == length:
            break
    return " ".join(tokens)


def claim_frames(texts: list[str], common: set[str], limit: float) -> dict[str, Any]:
    """The frames of the distinct ``texts``: top frames, the largest share, pass/fail.

    Texts are de-duplicated first: a response shared by a contrast group is
    written once, and counting it per item would punish the design, not the
    writing.
    """
    distinct = sorted(set(texts))
    counts = Counter(text_frame(t, common) for t in distinct)
    top = counts.most_common(TOP)
    share = top[0][1] / len(distinct) if top else 0.0
    return {
        "texts": len(distinct),
        "top_share": share,
        "limit": limit,
        "passed": share <= limit,
        "top": [{"frame": f, "count": n, "share": n / len(distinct)} for f, n in top],
    }


def _names(text: str, common: set[str]) -> set[str]:
    """Capitalised multi-word spans, and single capitalised words that are not ordinary."""
    found = set()
    for match in _SPAN.finditer(text):
        words = [_POSSESSIVE.sub("", w) for w in match.group().split()]
        before = text[: match.start()].rstrip(" \"'“‘(")
        if len(words) == 1 and (not before or before[-1] in ".!?:"):
            # one capitalised word opening a sentence ("Whether", "Closing?") is
            # no evidence of a name; a name shows itself mid-sentence elsewhere
            continue
        # a span of ordinary words ("Prime Minister", "The Court") names no invented entity
        if any(_is_name(w, common) for w in words if w.lower() not in _CONNECTORS):
            while words and not _is_name(words[0], common):
                words.pop(0)  # "The Halvern Courier" -> "Halvern Courier"
            found.add(" ".join(words))
    return found


def name_reuse(records: list[dict[str, Any]], common: set[str]) -> dict[str, Any]:
    """Names that appear in more than one story (group); worst first."""
    stories: dict[str, set[str]] = defaultdict(set)
    for record in records:
        text = " . ".join(record[f] for f in ("claim", "claim_source", "response", "speaker"))
        for name in _names(text, common):
            stories[name].add(record["group"])
    reused = sorted(
        ((name, len(groups)) for name, groups in stories.items() if len(groups) > 1),
        key=lambda pair: (-pair[1], pair[0]),
    )
    return {
        "names": len(stories),
        "reused": len(reused),
        "passed": not reused,
        "worst": [{"name": n, "stories": k} for n, k in reused[:TOP]],
    }


def writing_measures(records: list[dict[str, Any]], directory: Path | None) -> dict[str, Any]:
    """The frame, name and unrelated-overlap checks of ``records`` (every split).

    ``directory`` is where the train and test files of ``records`` live (None:
    the bundled ones), for the overlap probe.
    """
    from denialbench.corpus._probes import read_train_test, unrelated_overlap

    common = _common_words(r[f] for r in records for f in ("claim", "response", "speaker"))
    claims = claim_frames([r["claim"] for r in records], common, CLAIM_FRAME_LIMIT)
    responses = claim_frames([r["response"] for r in records], common, RESPONSE_FRAME_LIMIT)
    names = name_reuse(records, common)
    overlap = unrelated_overlap(*read_train_test(directory))
    passed = claims["passed"] and responses["passed"] and names["passed"] and overlap["passed"]
    return {
        "claim_frames": claims,
        "response_frames": responses,
        "names": names,
        "unrelated_overlap": overlap,
        "passed": passed,
    }


def writing_checks(directory: Path | str | None = None) -> dict[str, Any]:
    """Run the frame, name and unrelated-overlap checks over every split.

    Returns ``{"claim_frames", "response_frames", "names",
    "unrelated_overlap", "passed", "tables"}``.
    """
    from denialbench.corpus._loading import read_bundled_split, read_records
    from denialbench.corpus._schema import SPLITS

    if directory is None:
        records = [r for s in SPLITS for r in read_bundled_split(s)]
    else:
        records = [r for s in SPLITS for r in read_records(Path(directory) / f"{s}.jsonl", split=s)]
    result = writing_measures(records, Path(directory) if directory is not None else None)
    result["tables"] = _tables(result)
    return result


def writing_problems(result: dict[str, Any]) -> list[str]:
    """The failed writing checks of :func:`writing_measures`, as `validate` problems."""
    problems = []
    for what in ("claim", "response"):
        frames = result[f"{what}_frames"]
        if not frames["passed"]:
            top = frames["top"][0]
            problems.append(
                f"{what} frame {top['frame']!r} opens {top['share']:.1%} of distinct {what}s; "
                f"at most {frames['limit']:.0%} may share one (`corpus writing` lists them)"
            )
    names = result["names"]
    if not names["passed"]:
        worst = ", ".join(f"{w['name']} ({w['stories']})" for w in names["worst"][:5])
        problems.append(
            f"{names['reused']} invented name(s) appear in more than one story, e.g. {worst}; "
            "rename them so each story has its own"
        )
    overlap = result["unrelated_overlap"]
    if not overlap["passed"]:
        problems.append(
            f"word overlap alone finds {overlap['figure']:.1%} of the unrelated test items; "
            f"keep it under {overlap['limit']:.0%} with harder unrelated responses"
        )
    return problems


def _verdict(passed: bool) -> str:
    return "pass" if passed else "FAIL"


def _tables(result: dict[str, Any]) -> list[dict[str, Any]]:
    claims, responses = result["claim_frames"], result["response_frames"]
    names, overlap = result["names"], result["unrelated_overlap"]
    summary = {
        "title": "Writing checks",
        "columns": ["check", "figure", "limit", "verdict"],
        "rows": [
            [
                f"most common claim frame ({claims['texts']} distinct claims)",
                f"{claims['top_share']:.1%}",
                f"<= {claims['limit']:.0%}",
                _verdict(claims["passed"]),
            ],
            [
                f"most common response frame ({responses['texts']} distinct responses)",
                f"{responses['top_share']:.1%}",
                f"<= {responses['limit']:.0%}",
                _verdict(responses["passed"]),
            ],
            [
                f"names in more than one story (of {names['names']} names)",
                str(names["reused"]),
                "0",
                _verdict(names["passed"]),
            ],
            [
                "unrelated test items found by word overlap alone",
                f"{overlap['figure']:.1%}",
                f"< {overlap['limit']:.0%}",
                _verdict(overlap["passed"]),
            ],
        ],
    }
    tables = [summary]
    for what, frames in (("claim", claims), ("response", responses)):
        tables.append(
            {
                "title": f"Top {what} frames (first {FRAME_TOKENS} tokens; names, numbers masked)",
                "columns": ["frame", "texts", "share"],
                "rows": [[t["frame"], str(t["count"]), f"{t['share']:.1%}"] for t in frames["top"]],
            }
        )
    tables.append(
        {
            "title": "Names reused across stories (worst first)",
            "columns": ["name", "stories"],
            "rows": [[w["name"], str(w["stories"])] for w in names["worst"]],
        }
    )
    return tables
