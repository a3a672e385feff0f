"""Who answered: the official's name and title as the transcript gives them.

A turn label gives a surname and an honorific (``MS. PSAKI``); the briefing's
title usually gives the full name and the post ("Press Briefing by Press
Secretary Jen Psaki and National Security Advisor Jake Sullivan"). The title
is read for the words before the surname: capitalised words that are not
words of a post make the name, the post words before them make the title.
When the title does not name the official, the nearest-dated briefing of the
same collection whose title does is used; failing that the label itself.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = ["Speaker", "SpeakerResolver", "speaker_from_title"]

# Words of posts and honorifics: they end a name when walking back from it.
_POST_WORDS = frozenset(
    """
    press secretary deputy principal director advisor adviser coordinator
    administrator assistant senior national security council chair chairman
    chairwoman counselor counsellor communications strategic homeland economic
    surgeon general admiral ambassador acting president vice chief staff special
    envoy nsc white house domestic policy treasury state defense department
    spokesperson spokesman officer commissioner attorney representative trade
    climate energy health human services agriculture transportation education
    labor commerce interior veterans affairs office management budget
    emergency federal agency council's infrastructure implementation response
    covid-19 covid science technology united states u.s. under cabinet mayor
    governor senator dr mr ms mrs madam first lady gen adm lt col
    international global cyber emerging pandemic intergovernmental public
    engagement legislative digital strategy senior director homeland
    official officials military administration apnsa gaggle communication
    incident commander captain briefing call conference background aboard air
    force one medical counsel's counsel spokesperson minister prime
    """.split()  # noqa: SIM905 -- a word list reads better as text than as 140 literals
)
_SEPARATORS = frozenset({"by", "and", "with", "&", ",", "on", "of", "to", "for", "the", "en"})
_HONORIFICS = ("MR.", "MS.", "MRS.", "DR.", "MISS")
_HONORIFIC_WORDS = frozenset({"dr", "mr", "ms", "mrs"})
# Where a post ends when walking back from a name: "by", a comma, or an "and"
# that joins two people ("... Jen Psaki and Chief Medical Advisor ...")
# rather than two words of one post ("Health and Human Services").
_POST_STOPS = frozenset({"by", ",", "with", ";", ":", "(", ")", "aboard", "en"})


def _ends_post(tokens: list[str], at: int) -> bool:
    word = _bare(tokens[at]) or tokens[at]
    if word in _POST_STOPS:
        return True
    if word == "and":
        return at == 0 or _bare(tokens[at - 1]) not in _POST_WORDS
    return False


@dataclass(frozen=True)
class Speaker:
    """An official: ``name`` ("Jen Psaki") and ``title`` ("Press Secretary"), or None."""

    name: str
    title: str | None


def _tokens(title: str) -> list[str]:
    title = re.sub("[\u00a0\u2060\u200b]", lambda m: " " if m.group() == "\u00a0" else "", title)
    return re.sub(r"([,;:()])", r" \1 ", title).split()


def _bare(token: str) -> str:
    return re.sub(r"[^\w\-'’]", "", token).lower().replace("’", "'")


def speaker_from_title(label: str, title: str) -> Speaker | None:
    """The official named in ``title`` whose surname is the label's last word."""
    surname = _bare(label.split()[-1])
    if not surname or surname in _POST_WORDS:
        return None
    tokens = _tokens(title)
    for i, token in enumerate(tokens):
        if _bare(token) != surname:
            continue
        start = i
        while start > 0:
            before = tokens[start - 1]
            word = _bare(before)
            if not before[:1].isupper() or word in _POST_WORDS or word in _SEPARATORS:
                break
            start -= 1
        if start == i:  # no first name: "Mr. Kirby" is no better than the label
            continue
        post_start = start
        while post_start > 0 and not _ends_post(tokens, post_start - 1):
            post_start -= 1
        name = " ".join(t.strip(",") for t in tokens[start : i + 1])
        post_words = [t for t in tokens[post_start:start] if _bare(t) not in _HONORIFIC_WORDS]
        while post_words and _bare(post_words[0]) in _SEPARATORS:
            post_words.pop(0)
        post = " ".join(post_words) or None
        return Speaker(name.strip(), post)
    return None


def _label_speaker(label: str) -> Speaker:
    words = label.split()
    if words[0] in _HONORIFICS:
        return Speaker(" ".join(w.capitalize() for w in words), None)
    # "SENIOR ADMINISTRATION OFFICIAL", "THE PRESIDENT", "SECRETARY MAYORKAS"
    return Speaker(" ".join(w.capitalize() if w != "U.S." else w for w in words), None)


class SpeakerResolver:
    """Resolve labels against each briefing's title, then the nearest-dated one."""

    def __init__(self, briefings: list[tuple[str, str]]) -> None:
        """``briefings``: ``(date, title)`` of every briefing of one collection."""
        self._dated = sorted(briefings)
        self._dates = [d for d, _ in self._dated]
        self._cache: dict[tuple[str, str], Speaker | None] = {}

    def resolve(self, label: str, title: str, date: str) -> Speaker:
        found = speaker_from_title(label, title)
        if found is not None:
            return found
        key = (label, date)
        if key not in self._cache:
            self._cache[key] = self._nearest(label, date)
        return self._cache[key] or _label_speaker(label)

    def _nearest(self, label: str, date: str) -> Speaker | None:
        at = bisect.bisect_left(self._dates, date)
        # Walk outwards from the date, alternating later and earlier briefings.
        for step in range(len(self._dated)):
            for j in (at + step, at - step - 1):
                if 0 <= j < len(self._dated):
                    found = speaker_from_title(label, self._dated[j][1])
                    if found is not None and abs(_days(self._dated[j][0], date)) <= 366:
                        return found
            if step > 400:
                break
        return None


def _days(a: str, b: str) -> int:
    import datetime as dt

    return (dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days
