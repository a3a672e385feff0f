"""Printing table specs ({"title", "columns", "rows"}) as rich tables."""

from __future__ import annotations

from typing import Any

__all__ = ["print_tables"]


def print_tables(console: Any, tables: list[dict[str, Any]]) -> None:
    from rich.table import Table

    for spec in tables:
        table = Table(title=spec["title"], title_justify="left")
        for column in spec["columns"]:
            table.add_column(str(column))
        for row in spec["rows"]:
            table.add_row(*(str(cell) for cell in row))
        console.print(table)
