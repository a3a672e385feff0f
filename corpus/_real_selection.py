"""Selecting the exchanges in which a reporter puts a claim to the official.

An exchange is a reporter's turn (``Q``) and the official's turn right after
it. It is a candidate when the question cites a report, an allegation or a
claim, or asks the official to confirm, deny or say whether something is
true (:data:`PATTERNS`, tried in order; the first match names the
exchange's ``matched_pattern``), and the reply is one answer by an official
(not a moderator handing over, not a speech). The claim itself and the span
of the reply that answers it are chosen later by the extractors
(:mod:`denialbench.corpus._real_extractions`); this module writes the pool.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from denialbench.corpus._briefings import Briefing, Turn
from denialbench.corpus._speakers import SpeakerResolver

__all__ = [
    "MAX_REPLY_WORDS",
    "NOT_OFFICIALS",
    "PATTERNS",
    "briefing_id",
    "candidates",
    "exchange_id",
    "match_pattern",
    "strip_reporter",
]

#: A longer reply is a statement or a speech, not one answer.
MAX_REPLY_WORDS = 400
# Another speaker's turn inside a turn: "... after that. Q The President said"
# or "... MR. GIBBS: I think": the source HTML joined two turns with a <br>.
_EMBEDDED_TURN = re.compile(r"[.?!\-—]\s+Q\s+[A-Z]|\b(?:MR|MS|MRS|DR)\.\s[A-Z][A-Z'’\-]+:")
# A reply this short that ends in a dash was interrupted before it said anything.
_MIN_CUT_OFF_WORDS = 8
#: Shortest question that can carry a claim.
MIN_QUESTION_WORDS = 6

#: Labels of people who chair or run the call rather than answer.
NOT_OFFICIALS = frozenset({"MODERATOR", "OPERATOR", "AIDE", "STAFF", "PARTICIPANT", "AUDIENCE"})

_SUBJECT = r"(?:you|he|she|they|the white house|the president|the administration|anyone|anybody)"
_APART = r"(?:\w+\s+){0,3}"  # up to three words between, "there are some new reports"
_OUTLETS = (
    "Times|Post|Journal|Politico|Axios|CNN|NBC|ABC|CBS|Bloomberg|Reuters|AP|Associated Press"
    "|Fox|Guardian|Intercept|Punchbowl|Semafor"
)

#: (name, alternatives), most explicit first; case-insensitive, on the question.
PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("confirm_or_deny", (r"\bconfirm or deny\b", r"\bdeny or confirm\b")),
    (
        "do_you_deny",
        (
            rf"\b(?:do|does|did|are|is|will|would)\s+{_SUBJECT}\s+"
            r"(?:deny|denying|dispute|disputing|refute|reject|rejecting)\b",
        ),
    ),
    (
        "can_you_confirm",
        (
            rf"\b(?:can|could|would|will|are|is)\s+{_SUBJECT}\s+"
            r"(?:able to\s+)?(?:confirm|verify)\b",
            r"\bconfirm\s+(?:that|whether|if|reports?|the reports?|this|those)\b",
        ),
    ),
    (
        "is_it_true",
        (
            r"\b(?:is|was)\s+(?:it|that|this|there any truth)\s+"
            r"(?:true|accurate|correct|the case|false|right)\b",
            r"\bare\s+(?:those|these|the|they|such)\s+(?:reports?\s+)?(?:true|accurate|correct|false)\b",
            r"\b(?:any\s+)?truth\s+to\b",
        ),
    ),
    (
        "there_are_reports",
        (
            rf"\bthere\s+(?:are|were|have been|has been|is|was)\s+{_APART}reports?\b",
            rf"\bthere['’]?s\s+{_APART}reports?\b",
        ),
    ),
    (
        "reports_that",
        (
            r"\breports?\s+(?:that|saying|suggesting|indicating|claiming|out)\b",
            r"\breported\s+(?:that|today|yesterday|this\s+\w+|overnight|last\s+\w+|earlier)\b",
            r"\breporting\s+(?:that|from|by|today|this)\b",
            r"\b(?:is|are|was|were|has been|have been)\s+reporting\b",
            r"\b(?:a|the|this|that|new|recent|latest)\s+(?:news\s+|press\s+|media\s+)?reports?\s+"
            r"(?:in|from|by|about)\b",
        ),
    ),
    (
        "outlet_says",
        (rf"\b(?:{_OUTLETS})\s+(?:reported|reports|is reporting|says|said|wrote|story)\b",),
    ),
    (
        "allegation",
        (
            r"\ballegations?\b",
            r"\balleg(?:e|es|ed|edly|ing)\b",
            r"\baccus(?:e|es|ed|ing|ations?)\b",
        ),
    ),
    ("claims_that", (r"\bclaim(?:s|ed|ing)?\s+(?:that|by)\b", r"\b(?:has|have|had)\s+claimed\b")),
    ("rumor", (r"\brumou?r(?:s|ed)?\b", r"\bspeculation that\b")),
    ("according_to", (r"\baccording to\b",)),
)
_COMPILED = tuple(
    (name, re.compile("|".join(alternatives), re.IGNORECASE)) for name, alternatives in PATTERNS
)

# A reporter naming themselves at the start of a question: "This is Jane Roe
# with the Daily Planet." / "Jane Roe, Daily Planet --". Greetings before it
# are kept; only the self-introduction goes.
_NAME = r"[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,3}"
_SELF_INTRO = re.compile(
    r"(^|(?<=[.!?]\s))(?i:(?:hi|hello|hey|yes|yeah),?\s+)?"
    r"(?i:this is|it's|it’s|i'm|i’m|my name is)\s+"
    rf"{_NAME}\s*(?:,\s*|\s+)(?i:with|from|of|at|for)\s+[^.?!]{{1,60}}[.!]\s*"
)
_NAME_OUTLET_DASH = re.compile(
    rf"^((?:(?:Thank you|Thanks)[^.]{{0,20}}\.\s+)?){_NAME},\s+[^.?!—\-]{{1,40}}\s*(?:--|—)\s*"
)


def strip_reporter(question: str) -> str:
    """Remove a reporter's self-introduction from the front of ``question``."""
    question = _SELF_INTRO.sub(r"\1", question, count=1)
    question = _NAME_OUTLET_DASH.sub(r"\1", question, count=1)
    return re.sub(r"\s+", " ", question).strip()


def match_pattern(question: str) -> list[str]:
    """Names of every pattern ``question`` matches, in :data:`PATTERNS` order."""
    return [name for name, regex in _COMPILED if regex.search(question)]


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def briefing_id(source_url: str) -> str:
    """An opaque, stable id of a briefing: a hash of its URL."""
    return "wh-" + _digest(source_url, 10)


def exchange_id(source_url: str, turn_index: int) -> str:
    """An opaque, stable id of an exchange: a hash of URL and question turn index."""
    return "real-" + _digest(f"{source_url}#{turn_index}", 12)


def _exchanges(briefing: Briefing) -> Iterator[tuple[Turn, Turn]]:
    turns = briefing.turns
    for question, reply in itertools.pairwise(turns):
        if question.is_question and not reply.is_question:
            yield question, reply


def candidates(
    briefings: Iterable[Briefing], resolvers: dict[str, SpeakerResolver], counts: Counter[str]
) -> Iterator[dict[str, Any]]:
    """Yield one candidate record per selected exchange, counting why others fell.

    ``counts`` is updated with keys such as ``exchanges``, ``no_pattern``,
    ``reply_too_long``, ``pattern:<name>``.
    """
    for briefing in briefings:
        resolver = resolvers[briefing.source]
        for question, reply in _exchanges(briefing):
            counts["exchanges"] += 1
            if reply.label in NOT_OFFICIALS:
                counts["reply_not_official"] += 1
                continue
            text = strip_reporter(question.text)
            if len(text.split()) < MIN_QUESTION_WORDS:
                counts["question_too_short"] += 1
                continue
            patterns = match_pattern(text)
            if not patterns:
                counts["no_pattern"] += 1
                continue
            if _EMBEDDED_TURN.search(reply.text) or _EMBEDDED_TURN.search(text):
                counts["turns_run_together"] += 1  # the transcript lost a paragraph break
                continue
            words = len(reply.text.split())
            if words > MAX_REPLY_WORDS:
                counts["reply_too_long"] += 1
                continue
            if words < _MIN_CUT_OFF_WORDS and reply.text.endswith(("—", "--", "–")):
                counts["reply_cut_off"] += 1  # "We —": the reporter spoke over it
                continue
            speaker = resolver.resolve(reply.label, briefing.title, briefing.date)
            counts[f"pattern:{patterns[0]}"] += 1
            yield {
                "id": exchange_id(briefing.source_url, question.index),
                "briefing_id": briefing_id(briefing.source_url),
                "source": briefing.source,
                "source_path": briefing.path,
                "date": briefing.date,
                "source_url": briefing.source_url,
                "title": briefing.title,
                "question_turn": question.index,
                "speaker": speaker.name,
                "speaker_label": reply.label,
                "speaker_title": speaker.title,
                "question": text,
                "reply": reply.text,
                "reply_words": words,
                "matched_pattern": patterns[0],
                "matched_patterns": patterns,
            }
