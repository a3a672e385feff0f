"""The CLI's conventions, in one place: help options, examples, renamed options, output paths.

- ``-h`` and ``--help`` everywhere (:data:`CONTEXT_SETTINGS`);
- every command's help ends with an example (:func:`examples`);
- folder options are named ``--<what>-dir``; the names they replaced still
  work, hidden from the help, with a note on stderr (:data:`RENAMED_OPTIONS`);
- output paths are checked before any work is done (:func:`check_output_file`,
  :func:`check_output_dir`), so a bad ``--out`` never costs a whole evaluation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

from denialbench._errors import InputError

__all__ = [
    "CONTEXT_SETTINGS",
    "RENAMED_OPTIONS",
    "App",
    "check_output_dir",
    "check_output_file",
    "examples",
]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}

#: Old option name -> the new names it may stand for; a command that has one of
#: the new names and not the old one accepts the old one for it.
RENAMED_OPTIONS: dict[str, tuple[str, ...]] = {
    "--board-dir": ("--leaderboard-dir",),
    "--folder": ("--agreement-dir",),
    "--root": ("--repo-dir", "--corpus-dir"),
    "--report": ("--report-dir",),
    "--out": ("--out-dir",),
}


def examples(*command_lines: str) -> str:
    """A help epilog listing example command lines, kept as written by click's wrapper."""
    # "\b" on a paragraph's first line tells click not to rewrap that paragraph
    body = "\n".join(f"  $ {line}" for line in command_lines)
    return f"Example{'s' if len(command_lines) > 1 else ''}:\n\n\b\n{body}"


class RenamingCommand(TyperCommand):
    """A command that maps the options of :data:`RENAMED_OPTIONS` to their new names."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        own = {name for param in self.params for name in (*param.opts, *param.secondary_opts)}
        renamed: list[str] = []
        for position, arg in enumerate(args):
            if arg == "--":  # everything after is an argument, never an option
                renamed.extend(args[position:])
                break
            name, equals, value = arg.partition("=")
            new = next((n for n in RENAMED_OPTIONS.get(name, ()) if n in own), None)
            if new is not None and name not in own:
                from denialbench._console import make_console, print_warning

                print_warning(make_console(stderr=True), f"{name} is deprecated; use {new}")
                arg = new + equals + value
            renamed.append(arg)
        return super().parse_args(ctx, renamed)


class App(typer.Typer):
    """A Typer app whose commands accept renamed options and ``-h``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", RenamingCommand)
        return super().command(*args, **kwargs)


def _first_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def check_output_file(path: Path | None, option: str, suffixes: tuple[str, ...] = ()) -> None:
    """Refuse a file output that cannot be written: a folder, under a file, a wrong suffix."""
    if path is None:
        return
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder; give a file name")
    if suffixes and path.suffix.lower() not in suffixes:
        raise InputError(
            f"{option} {path}: expected a file ending in {' or '.join(suffixes)} "
            f"(got {path.suffix or 'no suffix'!r})"
        )
    above = _first_existing(path.parent)
    if not above.is_dir():
        raise InputError(f"{option} {path}: {above} is a file, not a folder; give another path")


def check_output_dir(path: Path | None, option: str) -> None:
    """Refuse a folder output that is an existing file, or lies under one."""
    if path is None:
        return
    above = _first_existing(path)
    if not above.is_dir():
        what = "is a file" if above == path else f"lies under the file {above}"
        raise InputError(
            f"{option} {path}: {what}; give a new or existing folder for the report and figures"
        )
