"""Printing table specs ({"title", "columns", "rows"}) as rich tables.

Kept for the callers that import it from here; the printer lives in
:mod:`denialbench._console`, which prints every title and cell literally.
"""

from __future__ import annotations

from denialbench._console import print_tables

__all__ = ["print_tables"]
