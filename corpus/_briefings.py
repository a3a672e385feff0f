"""Parsing White House press-briefing transcripts into speaker turns.

Two source formats are read:

* the Markdown files of the 2021-2025 briefings (YAML front matter with
  ``date``, ``source_url`` and ``title``; turns such as ``MS. PSAKI:  ...``
  and ``Q    ...``; Markdown escapes such as ``\\[``);
* the HTML files of the 2009-2016 briefings (first line ``<h1>Title</h1>``,
  then a Python bytes literal ``b'...'`` of the page's body HTML with one
  ``<p>`` per paragraph).

Both become a :class:`Briefing`: its metadata and its turns, each turn the
whitespace-normalised text of one speaker's consecutive paragraphs. The text
is otherwise verbatim: no word is changed, so a reply's span can be checked
against it as an exact substring.
"""

from __future__ import annotations

import ast
import html
import re
from dataclasses import dataclass

__all__ = [
    "QUESTION_LABEL",
    "Briefing",
    "Turn",
    "normalize_space",
    "paragraphs_from_html",
    "paragraphs_from_markdown",
    "parse_html_briefing",
    "parse_markdown_briefing",
    "split_turns",
]

#: The label of a reporter's turn.
QUESTION_LABEL = "Q"

_SPACE = re.compile(r"\s+")
# Invisible format characters (word joiner, zero-width space, soft hyphen, BOM)
# that some transcripts carry inside words; they are not text.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
# A Markdown backslash escape: the backslash goes, the character stays.
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~'\"$&])")
_TAG = re.compile(r"<[^>]+>")
_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.DOTALL | re.IGNORECASE)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL | re.IGNORECASE)
# "MS. JEAN-PIERRE:", "SENIOR ADMINISTRATION OFFICIAL:", "THE PRESIDENT:",
# "SECRETARY MAYORKAS:": upper-case words, then a colon.
_SPEAKER = re.compile(
    r"^((?:[A-Z][A-Z0-9.’'\-]*\s){0,6}[A-Z][A-Z0-9.’'\-]*)\s*:\s*(.*)$", re.DOTALL
)
# "Q    ...", "Q:  ...", "Q (Name):  ..."; never "QFRs" or "Qatar".
_QUESTION = re.compile(r"^Q(?:\s*\(([^)]{1,80})\))?\s*[:.]?(?:\s+(.*)|$)", re.DOTALL)
# A time stamp ("3:19 P.M. EDT") or "END" closes the Q&A.
_END = re.compile(r"^(?:END\b|\d{1,2}:\d{2}\s*[AP]\.?\s*M\.?)", re.IGNORECASE)
# Labels that are all-caps but not speakers.
_NOT_SPEAKERS = frozenset({"NOTE", "END", "UPDATE", "CORRECTION", "AUDIO", "VIDEO"})


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace (no-break spaces included) to one space.

    Invisible format characters (word joiners, zero-width spaces) are dropped.
    """
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


@dataclass(frozen=True)
class Turn:
    """One speaker's consecutive paragraphs.

    ``label`` is ``"Q"`` for a reporter, else the transcript's label without
    its colon (``"MS. PSAKI"``); ``asked_by`` is a name the transcript put in
    brackets after ``Q`` (kept out of the question text); ``index`` counts
    turns from 0 within the briefing.
    """

    index: int
    label: str
    text: str
    asked_by: str | None = None

    @property
    def is_question(self) -> bool:
        return self.label == QUESTION_LABEL


@dataclass(frozen=True)
class Briefing:
    """A parsed transcript: its metadata and its turns."""

    source: str
    path: str
    date: str
    title: str
    source_url: str
    turns: tuple[Turn, ...]


def split_turns(paragraphs: list[str]) -> tuple[Turn, ...]:
    """Group paragraphs into turns; a paragraph without a label continues the turn.

    Paragraphs before the first labelled one (place, time) are dropped, and a
    time stamp or ``END`` paragraph closes the current turn so that the
    closing lines never join the last reply.
    """
    turns: list[Turn] = []
    label: str | None = None
    asked_by: str | None = None
    parts: list[str] = []

    def close() -> None:
        text = normalize_space(" ".join(parts))
        if label is not None and text:
            turns.append(Turn(len(turns), label, text, asked_by))

    for raw in paragraphs:
        paragraph = normalize_space(raw)
        if not paragraph:
            continue
        question = _QUESTION.match(paragraph)
        speaker = _SPEAKER.match(paragraph)
        if question:
            close()
            label, asked_by, parts = QUESTION_LABEL, question.group(1), [question.group(2) or ""]
        elif speaker and speaker.group(1).rstrip(".") not in _NOT_SPEAKERS:
            close()
            label, asked_by, parts = speaker.group(1).strip(), None, [speaker.group(2)]
        elif _END.match(paragraph):
            close()
            label, asked_by, parts = None, None, []
        elif label is not None:
            parts.append(paragraph)
    close()
    return tuple(turns)


def paragraphs_from_markdown(body: str) -> list[str]:
    """The paragraphs of a Markdown transcript body, escapes removed."""
    return [_MD_ESCAPE.sub(r"\1", block) for block in re.split(r"\n\s*\n", body)]


def _front_matter(text: str, path: str) -> tuple[dict[str, object], str]:
    import yaml

    if not text.startswith("---"):
        raise ValueError(f"{path}: no YAML front matter (the file must start with '---')")
    _, header, body = text.split("---", 2)
    meta = yaml.safe_load(header)
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: the front matter is not a YAML mapping")
    return meta, body


def parse_markdown_briefing(text: str, path: str, source: str = "wh-briefings") -> Briefing:
    """Parse one Markdown briefing (front matter ``date``, ``source_url``, ``title``)."""
    meta, body = _front_matter(text, path)
    missing = [k for k in ("date", "source_url", "title") if not meta.get(k)]
    if missing:
        raise ValueError(f"{path}: front matter lacks {', '.join(missing)}")
    return Briefing(
        source=source,
        path=path,
        date=str(meta["date"]),
        title=normalize_space(str(meta["title"])),
        source_url=str(meta["source_url"]),
        turns=split_turns(paragraphs_from_markdown(body)),
    )


def _html_text(fragment: str) -> str:
    fragment = re.sub(r"<br\s*/?>", " ", fragment, flags=re.IGNORECASE)
    return html.unescape(_TAG.sub("", fragment))


def paragraphs_from_html(body_html: str) -> list[str]:
    """The text of each ``<p>`` of an HTML body, tags removed, entities decoded."""
    return [_html_text(p) for p in _PARAGRAPH.findall(body_html)]


def parse_html_briefing(
    text: str, path: str, *, date: str, source_url: str, source: str = "obama-briefings"
) -> Briefing:
    """Parse one 2009-2016 file: an ``<h1>`` title line, then a bytes literal of HTML.

    The files carry neither date nor URL; the caller recovers them from the
    index pages (see :mod:`denialbench.corpus._briefing_sources`).
    """
    first, _, rest = text.partition("\n")
    title = _H1.search(first)
    if title is None:
        raise ValueError(f"{path}:1: expected '<h1>title</h1>' on the first line")
    literal = rest.strip()
    try:
        raw = ast.literal_eval(literal) if literal.startswith(("b'", 'b"')) else literal
    except (ValueError, SyntaxError):
        raise ValueError(f"{path}:2: the body is not a Python bytes literal") from None
    body = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    return Briefing(
        source=source,
        path=path,
        date=date,
        title=normalize_space(_html_text(title.group(1))),
        source_url=source_url,
        turns=split_turns(paragraphs_from_html(body)),
    )
