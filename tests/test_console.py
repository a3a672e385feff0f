"""Console output: text from files and models is printed literally and stripped of controls."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from denialbench._console import clean, json_text, print_error, print_tables, print_warning, say

HOSTILE = {
    "osc8 link": ("\x1b]8;;http://evil.example\x07click\x1b]8;;\x07", "click"),
    "osc8 link, ST": ("\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"),
    "conceal": ("\x1b[8mhidden\x1b[0m", "hidden"),
    "colour": ("\x1b[31;1mred\x1b[m", "red"),
    "title": ("\x1b]0;owned\x07deny", "deny"),
    "carriage return": ("deny\rconfirm", "denyconfirm"),
    "8-bit csi": ("\x9b8mhidden", "hidden"),
    "8-bit osc": ("\x9d8;;http://x\x9clink", "link"),
    "bell and nul": ("a\x07b\x00c", "abc"),
    "delete": ("a\x7fb", "ab"),
    "dcs": ("\x1bPq#0;2;0;0;0\x1b\\ok", "ok"),
    "keeps newline and tab": ("a\tb\nc", "a\tb\nc"),
    "keeps markup-like text": ("[bold]deny [/x] exp[v2]", "[bold]deny [/x] exp[v2]"),
}


@pytest.mark.parametrize(("raw", "expected"), HOSTILE.values(), ids=HOSTILE.keys())
def test_clean_removes_control_sequences(raw, expected):
    assert clean(raw) == expected


def _console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=200, color_system=None), buffer


@pytest.mark.parametrize(
    "text",
    [
        "[/x]",
        "[bold]deny",
        "exp[v2]/preds.csv",
        "pip install 'denialbench[embeddings]'",
        "[u, v, |u-v|, u*v]",
        "evil[/x]",
    ],
)
def test_messages_print_literally(text):
    console, buffer = _console()
    say(console, text)
    print_error(console, f"bad {text}", [f"problem {text}"])
    print_warning(console, f"odd {text}")
    assert buffer.getvalue().splitlines() == [
        text,
        f"error: bad {text}",
        f"  - problem {text}",
        f"warning: odd {text}",
    ]


def test_tables_print_titles_headers_and_cells_literally():
    console, buffer = _console()
    print_tables(
        console,
        [
            {
                "title": "[bold]t",
                "columns": ["[/x]"],
                "rows": [["[u, v]\x1b[8m"], ["\x1b]8;;u\x07a"]],
            }
        ],
    )
    out = buffer.getvalue()
    assert "[bold]t" in out and "[/x]" in out and "[u, v]" in out
    assert "\x1b" not in out and "]8;;" not in out


def test_long_problem_lists_are_cut():
    console, buffer = _console()
    print_error(console, "failed", [f"p{i}" for i in range(5)], limit=2)
    assert buffer.getvalue().splitlines()[-1] == "  ... and 3 more"


def test_json_text_escapes_the_controls_json_leaves_raw():
    data = {"id": "a\x9b8mb\x7f", "nested": ["\x1b]8;;x\x07", "é"]}
    text = json_text(data)
    assert "\x9b" not in text and "\x7f" not in text and "\x1b" not in text
    assert "é" in text  # other non-ASCII stays readable
    assert json.loads(text) == data
