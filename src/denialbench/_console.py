"""What reaches the terminal: user, file and model text, printed literally and made harmless.

Labels, ids, paths, pickle global names and the messages that quote them come
from files and models somebody else made. They are printed as rich ``Text``,
never parsed as markup (so ``[bold]deny`` prints as written and ``[/x]`` is no
error), and :func:`clean` first removes terminal control sequences, so a file
cannot recolour, hide (conceal), retitle, rewrite (carriage return) or
hyperlink (OSC 8) the user's terminal. Every console print of the CLI goes
through this module.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from typing import Any

__all__ = [
    "clean",
    "json_text",
    "literal",
    "make_console",
    "print_error",
    "print_tables",
    "print_warning",
    "say",
]

# Whole escape sequences go first, so that their printable tails ("]8;;http://...")
# do not survive the removal of the ESC byte alone.
_ESCAPE_SEQUENCE = re.compile(
    r"""
      \x1b\[[0-?]*[ -/]*[@-~]?                  # CSI: colours, cursor moves, conceal (ESC [ 8 m)
    | \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?  # OSC: hyperlinks (OSC 8), window titles
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?    # DCS, SOS, PM, APC strings
    | \x1b[ -/]*[0-~]?                          # the other escapes (charset, keypad, ...)
    | \x9b[0-?]*[ -/]*[@-~]?                    # 8-bit CSI
    | \x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?    # 8-bit OSC
    | [\x90\x98\x9e\x9f][^\x1b\x9c]*(?:\x1b\\|\x9c)?  # 8-bit DCS, SOS, PM, APC
    """,
    re.VERBOSE,
)
# C0 controls but tab and newline, DEL, and the C1 controls
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# what json.dumps(ensure_ascii=False) leaves unescaped but a terminal obeys
_JSON_UNESCAPED_CONTROL = re.compile(r"[\x7f-\x9f]")


def clean(text: Any) -> str:
    """``str(text)`` without terminal escape sequences and control characters.

    Newlines and tabs are kept; everything else in C0 and C1, and DEL, goes.

    Examples
    --------
    >>> clean("deny\\x1b]8;;http://evil.example\\x07click\\x1b]8;;\\x07 \\x1b[8mhidden\\x1b[0m")
    'denyclick hidden'
    >>> clean("[bold]deny")
    '[bold]deny'
    """
    text = str(text)
    if text.isprintable():  # the common case costs one scan in C
        return text
    return _CONTROL_CHARACTER.sub("", _ESCAPE_SEQUENCE.sub("", text))


def literal(text: Any, style: str | None = None):
    """A rich ``Text`` of :func:`clean` ``(text)``: printed as written, never as markup."""
    from rich.text import Text

    return Text(clean(text), style=style or "")


def make_console(stderr: bool = False):
    """The console the CLI prints to: no wrapping of long lines, 120 columns off a terminal."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(
        stderr=stderr, soft_wrap=False, width=None if stream.isatty() else 120, highlight=False
    )


def say(console: Any, text: Any, style: str | None = None) -> None:
    """Print one message literally (see :func:`literal`)."""
    # soft_wrap: a message is one line however long, so it can be grepped and copied
    console.print(literal(text, style), highlight=False, soft_wrap=True)


def print_error(console: Any, message: Any, problems: Iterable[Any] = (), limit: int = 200) -> None:
    """``error: message`` and up to ``limit`` problem lines, all printed literally."""
    from rich.text import Text

    console.print(
        Text.assemble(("error: ", "bold red"), clean(message)), highlight=False, soft_wrap=True
    )
    problems = list(problems)
    for problem in problems[:limit]:
        say(console, f"  - {clean(problem)}")
    if len(problems) > limit:
        say(console, f"  ... and {len(problems) - limit} more")


def print_warning(console: Any, message: Any) -> None:
    """``warning: message``, printed literally."""
    from rich.text import Text

    console.print(
        Text.assemble(("warning: ", "bold yellow"), clean(message)), highlight=False, soft_wrap=True
    )


def print_tables(console: Any, tables: list[dict[str, Any]]) -> None:
    """Print table specs (``{"title", "columns", "rows"}``); every title and cell literally."""
    from rich.table import Table

    for spec in tables:
        table = Table(title=literal(spec["title"]), title_justify="left")
        for column in spec["columns"]:
            table.add_column(literal(column))
        for row in spec["rows"]:
            table.add_row(*(literal(cell) for cell in row))
        console.print(table)


def json_text(obj: Any, indent: int | None = 2) -> str:
    """JSON that is safe to print: the C1 controls and DEL escaped as ``\\u00XX``.

    ``json.dumps`` escapes C0 controls itself; with ``ensure_ascii=False`` it
    leaves the others raw, and a terminal would obey them. These characters
    only occur inside JSON strings, so the escaped text decodes to the same data.
    """
    text = json.dumps(obj, indent=indent, ensure_ascii=False, default=str)
    return _JSON_UNESCAPED_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
