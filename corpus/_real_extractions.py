"""Reading and mechanically verifying the extractors' output.

The extractors write ``sources/real/extractions/*.jsonl``: one line per
candidate exchange, either ``{"id", "claim", "response"}`` or
``{"id", "skip": reason}``. Two checks keep the quotes real and the claims
honest:

* the response is one contiguous span of the official's reply turn, word for
  word: an exact substring after whitespace normalisation, that neither
  starts nor ends with a call-on ("Go ahead, Peter.");
* the claim adds no facts: each of its content words (lower-cased, crudely
  lemmatised, minus stopwords and a small fixed attribution vocabulary such
  as report/say/allege) occurs in the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from denialbench._errors import InputError
from denialbench.corpus._briefings import normalize_space
from denialbench.corpus._io import iter_jsonl

__all__ = [
    "ATTRIBUTION_WORDS",
    "STOPWORDS",
    "Extraction",
    "RealDataError",
    "call_on_at_edge",
    "claim_words_missing",
    "content_lemmas",
    "read_extractions",
    "response_in_reply",
]


class RealDataError(InputError):
    """The real split's source files (extractions, annotations) break a rule.

    ``problems`` holds one line per failure, naming the file, line and id.
    """

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


STOPWORDS = frozenset(
    """
    a an the and or but if then than that this these those there here it its it's
    is are was were be been being am do does did done doing have has had having
    of in on at to for from by with about as into onto over under after before
    between through during against without within upon across toward towards
    not no nor so too very just also only even still yet ever
    he she they we you i me him her them us my your his their our its
    who whom whose which what when where why how whether
    will would shall should can could may might must
    any some all each every both either neither other another such
    one s t
    """.split()  # noqa: SIM905 -- a word list reads better as text
)

#: Words a claim may add to attribute the question's content.
ATTRIBUTION_WORDS = frozenset(
    """
    report reports reported reporting say says said saying allege alleges alleged
    allegedly allegation allegations according claim claims claimed claiming
    accuse accused accuses accusation accusations suggest suggests suggested
    indicate indicates indicated state states stated assert asserts asserted
    rumor rumors rumour rumours rumored speculation speculate news media outlet
    outlets press source sources story stories article account accounts
    """.split()  # noqa: SIM905 -- a word list reads better as text
)

_WORD = re.compile(r"[a-z0-9]+")
# A call-on: the official handing the floor to the next reporter.
_CALL_ON = re.compile(
    r"^(?:(?:okay|ok|yes|yeah|all right|alright|sure|thanks|thank you)[,.]?\s+)*"
    r"(?:go ahead|next question|next|please|you're up|you’re up)"
    r"(?:[,.]?\s+[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,2})?[.!?]?$",
    re.IGNORECASE,
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")


def _lemma(word: str) -> str:
    """A crude lemma: enough to match "reports"/"report", "denied"/"deny"."""
    for suffix, keep in (
        ("ies", "y"),
        ("ied", "y"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            break
    # "cede"/"ceding", "raise"/"raised": drop a final e so both forms meet
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def _words(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    text = re.sub(r"'s\b", "", text)  # possessives: "Russia's" is "Russia"
    return _WORD.findall(text)


def content_lemmas(text: str, *, drop_attribution: bool = False) -> set[str]:
    """Lemmas of the content words of ``text``."""
    return {
        _lemma(w)
        for w in _words(text)
        if w not in STOPWORDS and not (drop_attribution and w in ATTRIBUTION_WORDS)
    }


def claim_words_missing(claim: str, question: str) -> list[str]:
    """Content words of ``claim`` that the question does not contain (sorted)."""
    have = content_lemmas(question) | {w for w in _words(question)}
    return sorted(
        w
        for w in _words(claim)
        if w not in STOPWORDS and w not in ATTRIBUTION_WORDS and w not in have
        if _lemma(w) not in have
    )


def response_in_reply(response: str, reply: str) -> bool:
    """Whether ``response`` is a contiguous span of ``reply`` up to whitespace."""
    span = normalize_space(response)
    return bool(span) and span in normalize_space(reply)


def call_on_at_edge(response: str) -> str | None:
    """The first or last sentence of ``response`` when it is a call-on, else None."""
    sentences = [s for s in _SENTENCE_SPLIT.split(normalize_space(response)) if s]
    for sentence in (sentences[:1] + sentences[-1:]) if sentences else []:
        if _CALL_ON.match(sentence):
            return sentence
    return None


@dataclass(frozen=True)
class Extraction:
    """One verified extraction: where it came from and what it says."""

    id: str
    where: str
    claim: str | None
    response: str | None
    skip: str | None

    @property
    def skipped(self) -> bool:
        return self.skip is not None


def _check_line(
    obj: dict[str, Any], where: str, candidates: dict[str, dict[str, Any]]
) -> tuple[Extraction | None, list[str]]:
    item_id = obj.get("id")
    if not isinstance(item_id, str) or item_id not in candidates:
        return None, [f"{where}: id {item_id!r} is not a candidate id of candidates.jsonl"]
    prefix = f"{where}: {item_id}"
    skip = obj.get("skip")
    if skip is not None:
        if not isinstance(skip, str) or not skip.strip():
            return None, [f"{prefix}: 'skip' must be a non-empty reason string (got {skip!r})"]
        return Extraction(item_id, where, None, None, skip.strip()), []
    claim, response = obj.get("claim"), obj.get("response")
    problems = [
        f"{prefix}: {name!r} must be a non-empty string (got {value!r}); "
        "or give 'skip' with a reason"
        for name, value in (("claim", claim), ("response", response))
        if not isinstance(value, str) or not value.strip()
    ]
    if problems:
        return None, problems
    assert isinstance(claim, str) and isinstance(response, str)
    candidate = candidates[item_id]
    if not response_in_reply(response, candidate["reply"]):
        problems.append(
            f"{prefix}: 'response' is not an exact span of the official's reply turn "
            "(copy it character for character; only whitespace may differ)"
        )
    call_on = call_on_at_edge(response)
    if call_on:
        problems.append(f"{prefix}: 'response' includes the call-on {call_on!r}; cut it")
    missing = claim_words_missing(claim, candidate["question"])
    if missing:
        problems.append(
            f"{prefix}: the claim's words {missing} are not in the question; "
            "write the claim from the question's words only"
        )
    if problems:
        return None, problems
    extraction = Extraction(item_id, where, normalize_space(claim), normalize_space(response), None)
    return extraction, []


def read_extractions(
    folder: Path, candidates: dict[str, dict[str, Any]]
) -> tuple[dict[str, Extraction], list[str]]:
    """Every line of ``folder/*.jsonl``, checked; returns (verified by id, problems).

    Lines that fail a check are left out and listed in ``problems`` (one line
    each, naming file, line and id); an id given twice is a problem too.
    """
    verified: dict[str, Extraction] = {}
    seen: dict[str, str] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        try:
            rows = list(iter_jsonl(path))
        except InputError as exc:
            problems.append(str(exc))
            continue
        for number, obj in rows:
            where = f"{path}:{number}"
            item_id = obj.get("id")
            if isinstance(item_id, str) and item_id in seen:
                problems.append(f"{where}: {item_id}: given again (first at {seen[item_id]})")
                verified.pop(item_id, None)
                continue
            extraction, found = _check_line(obj, where, candidates)
            problems += found
            if isinstance(item_id, str):
                seen[item_id] = where
            if extraction is not None:
                verified[extraction.id] = extraction
    return verified, problems
