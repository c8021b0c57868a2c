"""A layered drawing of a DAG: each step in a column after all its upstream steps.

The column of a step is the length of the longest path to it from a root;
inside a column, steps are ordered to shorten edges (a few barycentre sweeps,
down and up, as Sugiyama-style layouts do), with ties broken by name, so the
same graph always gets the same picture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NODE_WIDTH = 150
NODE_HEIGHT = 34
COLUMN_GAP = 40
ROW_GAP = 14
MARGIN = 12
_SWEEPS = 4


@dataclass(frozen=True)
class Box:
    """Where one step is drawn: its top-left corner, column and row."""

    name: str
    x: int
    y: int
    column: int
    row: int


@dataclass(frozen=True)
class Layout:
    """The boxes of every step, the edges between them, and the drawing's size."""

    boxes: Mapping[str, Box]
    edges: tuple[tuple[str, str], ...]
    """``(upstream, downstream)`` pairs, in the order of the boxes' names."""
    width: int
    height: int


def layered(order: Sequence[str], upstream: Mapping[str, Sequence[str]]) -> Layout:
    """Lay out the steps ``order`` (each after its upstream steps) with their edges."""
    column: dict[str, int] = {}
    for name in order:
        ups = [column[up] for up in upstream.get(name, ()) if up in column]
        column[name] = max(ups) + 1 if ups else 0
    columns: list[list[str]] = [[] for _ in range(max(column.values(), default=-1) + 1)]
    for name in order:
        columns[column[name]].append(name)
    downstream: dict[str, list[str]] = {name: [] for name in order}
    edges = sorted({(up, name) for name in order for up in upstream.get(name, ()) if up in column})
    for up, name in edges:
        downstream[up].append(name)
    _order_columns(columns, upstream, downstream)
    boxes = {
        name: Box(
            name=name,
            x=MARGIN + c * (NODE_WIDTH + COLUMN_GAP),
            y=MARGIN + r * (NODE_HEIGHT + ROW_GAP),
            column=c,
            row=r,
        )
        for c, names in enumerate(columns)
        for r, name in enumerate(names)
    }
    tallest = max((len(names) for names in columns), default=0)
    width = 2 * MARGIN + len(columns) * NODE_WIDTH + max(0, len(columns) - 1) * COLUMN_GAP
    height = 2 * MARGIN + tallest * NODE_HEIGHT + max(0, tallest - 1) * ROW_GAP
    return Layout(boxes=boxes, edges=tuple(edges), width=width, height=height)


def _order_columns(
    columns: list[list[str]],
    upstream: Mapping[str, Sequence[str]],
    downstream: Mapping[str, Sequence[str]],
) -> None:
    """Reorder each column by the mean row of its neighbours, sweeping right then left."""
    row = {name: r for names in columns for r, name in enumerate(names)}
    for sweep in range(_SWEEPS):
        forward = sweep % 2 == 0
        indices = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
        neighbours = upstream if forward else downstream
        for c in indices:
            names = columns[c]
            names.sort(key=lambda name: (_barycentre(name, neighbours, row), row[name], name))
            for r, name in enumerate(names):
                row[name] = r


def _barycentre(
    name: str, neighbours: Mapping[str, Sequence[str]], row: Mapping[str, int]
) -> float:
    rows = [row[n] for n in neighbours.get(name, ()) if n in row]
    return sum(rows) / len(rows) if rows else float(row[name])
