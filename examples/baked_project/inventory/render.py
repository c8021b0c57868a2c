"""The report's table, drawn by tabulate (the project's locked dependency)."""

from __future__ import annotations

from tabulate import tabulate


def table(rows: list[dict[str, object]]) -> str:
    """A plain-text table of ``rows``, columns in the order of the first row."""
    return tabulate(rows, headers="keys", tablefmt="github")
