"""Reading the two briefing collections from a bare git snapshot or a folder.

The pipeline never copies the source repositories' files into DenialBench; it
reads them where they lie and records the commit it read (provenance.json).

* ``wh-briefings``: ``press-briefings/YYYY-MM/*.md`` (2021-2025, CC0 1.0).
* ``obama-briefings``: ``pressBriefings/N.html`` (2009-2016). The files carry
  neither URL nor date. The collection's download script numbered them in the
  order of the links on its saved index pages (``indexPages/0.html``,
  ``1.html``, ...; one ``views-row`` per briefing, newest first), so file N is
  the N-th link there; the link is relative to the whitehouse.gov mirror the
  script read and becomes an obamawhitehouse.archives.gov URL, and the row's
  date (``August 04, 2016``) is the briefing's date. The link text is checked
  against the file's ``<h1>`` title.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from denialbench._errors import InputError
from denialbench.corpus._briefings import (
    Briefing,
    normalize_space,
    parse_html_briefing,
    parse_markdown_briefing,
)

__all__ = [
    "OBAMA_ARCHIVE",
    "SourceRepo",
    "index_links",
    "read_obama_briefings",
    "read_wh_briefings",
]

OBAMA_ARCHIVE = "https://obamawhitehouse.archives.gov"
_ROW = re.compile(r'<div class="views-row')
_LINK = re.compile(r'<a href="([^"]+)"[^>]*>(.*?)</a>', re.DOTALL)
_ROW_DATE = re.compile(r'views-field-created">\s*<span class="field-content">([^<]+)</span>')


@dataclass
class SourceRepo:
    """A source collection: a bare git repository (read at HEAD) or a folder."""

    root: Path
    commit: str | None = None
    _bare: bool = field(default=False, repr=False)

    @classmethod
    def open(cls, root: Path | str) -> SourceRepo:
        root = Path(root)
        if not root.is_dir():
            raise InputError(f"{root}: no such folder; pass the source repository's folder")
        bare = (root / "HEAD").is_file() and (root / "objects").is_dir()
        git_dir = root if bare else root / ".git"
        commit = None
        if git_dir.exists():
            done = subprocess.run(
                ["git", "--git-dir", str(git_dir), "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                check=False,
            )
            commit = done.stdout.strip() or None if done.returncode == 0 else None
        if bare and commit is None:
            raise InputError(f"{root}: a git directory without a readable HEAD commit")
        return cls(root, commit, bare)

    def files(self, prefix: str) -> list[str]:
        """Paths under ``prefix`` (a folder), sorted."""
        if self._bare:
            command = ["git", "--git-dir", str(self.root), "ls-tree", "-r", "--name-only"]
            done = subprocess.run(
                [*command, str(self.commit), "--", prefix],
                capture_output=True,
                text=True,
                check=True,
            )
            return sorted(done.stdout.splitlines())
        base = self.root / prefix
        return sorted(p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file())

    def read_many(self, paths: list[str]) -> Iterator[tuple[str, str]]:
        """Yield ``(path, text)``; git blobs are read through one ``cat-file --batch``."""
        if not self._bare:
            for path in paths:
                yield path, (self.root / path).read_bytes().decode("utf-8", errors="replace")
            return
        request = "".join(f"{self.commit}:{p}\n" for p in paths).encode("utf-8")
        done = subprocess.run(
            ["git", "--git-dir", str(self.root), "cat-file", "--batch"],
            input=request,
            capture_output=True,
            check=True,
        )
        out, pos = done.stdout, 0
        for path in paths:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            if len(header) < 3 or header[1] != b"blob":
                raise InputError(f"{self.root}: {path} is missing at commit {self.commit}")
            size = int(header[2])
            yield path, out[end + 1 : end + 1 + size].decode("utf-8", errors="replace")
            pos = end + 1 + size + 1


def read_wh_briefings(repo: SourceRepo) -> list[Briefing]:
    """Every ``press-briefings/**/*.md`` file, parsed."""
    paths = [p for p in repo.files("press-briefings") if p.endswith(".md")]
    if not paths:
        raise InputError(f"{repo.root}: no press-briefings/*/*.md files; is this wh-briefings?")
    briefings = []
    for path, text in repo.read_many(paths):
        try:
            briefings.append(parse_markdown_briefing(text, path))
        except ValueError as exc:
            raise InputError(str(exc)) from None
    return briefings


def _number(path: str) -> int:
    return int(Path(path).stem)


def index_links(pages: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """``(url, link title, ISO date)`` for each row of the index pages, in order.

    ``pages`` are ``(path, html)`` of ``indexPages/N.html`` in numeric order.
    """
    links = []
    for path, text in pages:
        start = text.find('<div class="view-content">')
        if start < 0:
            raise InputError(f"{path}: no 'view-content' list of briefings")
        for row in _ROW.split(text[start:])[1:]:
            link, date = _LINK.search(row), _ROW_DATE.search(row)
            if link is None or date is None:
                raise InputError(f"{path}: a views-row without a link or a date")
            href = link.group(1)
            url = OBAMA_ARCHIVE + "/" + href.lstrip("./") if href.startswith("..") else href
            day = dt.datetime.strptime(normalize_space(date.group(1)), "%B %d, %Y").date()
            links.append((url, normalize_space(_strip_tags(link.group(2))), day.isoformat()))
    return links


def _strip_tags(text: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", text))


def read_obama_briefings(repo: SourceRepo) -> tuple[list[Briefing], int]:
    """Every ``pressBriefings/N.html``, parsed, with URL and date from the index pages.

    Returns the briefings and how many titles differ from their index link
    text (0 when the numbering assumption holds).
    """
    pages = sorted(repo.files("indexPages"), key=_number)
    links = index_links(list(repo.read_many(pages)))
    paths = sorted((p for p in repo.files("pressBriefings") if p.endswith(".html")), key=_number)
    if not paths:
        raise InputError(f"{repo.root}: no pressBriefings/*.html files; is this the 2009-2016 set?")
    if len(links) < len(paths):
        raise InputError(
            f"{repo.root}: {len(paths)} briefings but only {len(links)} index links; "
            "the URL of each file cannot be recovered"
        )
    briefings, mismatched = [], 0
    for path, text in repo.read_many(paths):
        url, link_title, date = links[_number(path)]
        try:
            briefing = parse_html_briefing(text, path, date=date, source_url=url)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        mismatched += _comparable(briefing.title) != _comparable(link_title)
        briefings.append(briefing)
    return briefings, mismatched


def _comparable(title: str) -> str:
    return re.sub(r"[^a-z0-9]", "", title.lower())
