"""A layered drawing of a DAG: each step in a column after all its upstream steps.

The column of a step is the length of the longest path to it from a root.
An edge that spans several columns passes through a waypoint in each column
between, which takes a slot there like a step, so no edge crosses a box (in
a huge DAG, up to a budget of waypoints: the longest edges beyond it are
drawn straight across).
Inside a column, steps and waypoints are ordered to shorten edges (a few
barycentre sweeps, right then left, as Sugiyama-style layouts do), ties
broken by name, so the same graph always gets the same picture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

from axl.dataclass_fast import dataclass

NODE_WIDTH = 150
NODE_HEIGHT = 34
COLUMN_GAP = 40
ROW_GAP = 14
MARGIN = 12
_SWEEPS = 4
_WAYPOINTS_PER_STEP = 4
"""At most this many waypoints a step: the shortest long edges get them first; the rest
(a step every step of a long chain reads) are drawn straight across, over the boxes."""
_WAYPOINT = "\x00"
"""Starts the slot names of waypoints (no step name can)."""


@dataclass(frozen=True)
class Box:
    """Where one step is drawn: its top-left corner, column and row."""

    name: str
    x: int
    y: int
    column: int
    row: int


@dataclass(frozen=True)
class Edge:
    """``source`` runs before ``target``; ``via`` are the left ends of the horizontal runs
    it makes through the columns between them (empty between neighbouring columns)."""

    source: str
    target: str
    via: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Layout:
    """The boxes of every step, the edges between them, and the drawing's size."""

    boxes: Mapping[str, Box]
    edges: tuple[Edge, ...]
    """Sorted by source, then target."""
    width: int
    height: int


def layered(order: Sequence[str], upstream: Mapping[str, Sequence[str]]) -> Layout:
    """Lay out the steps ``order`` (each after its upstream steps) with their edges."""
    column: dict[str, int] = {}
    for name in order:
        ups = [column[up] for up in upstream.get(name, ()) if up in column]
        column[name] = max(ups) + 1 if ups else 0
    pairs = sorted({(up, name) for name in order for up in upstream.get(name, ()) if up in column})
    columns: list[list[str]] = [[] for _ in range(max(column.values(), default=-1) + 1)]
    for name in order:
        columns[column[name]].append(name)
    chains, before, after = _waypoints(pairs, column, columns)
    _order_columns(columns, before, after)
    slots = {
        name: (MARGIN + c * (NODE_WIDTH + COLUMN_GAP), MARGIN + r * (NODE_HEIGHT + ROW_GAP), c, r)
        for c, names in enumerate(columns)
        for r, name in enumerate(names)
    }
    edges = tuple(
        Edge(up, down, tuple((slots[w][0], slots[w][1] + NODE_HEIGHT // 2) for w in chain))
        for (up, down), chain in chains.items()
    )
    tallest = max((len(names) for names in columns), default=0)
    return Layout(
        boxes={name: Box(name, *slots[name]) for name in order},
        edges=edges,
        width=2 * MARGIN + len(columns) * NODE_WIDTH + max(0, len(columns) - 1) * COLUMN_GAP,
        height=2 * MARGIN + tallest * NODE_HEIGHT + max(0, tallest - 1) * ROW_GAP,
    )


def _waypoints(
    pairs: Sequence[tuple[str, str]], column: Mapping[str, int], columns: list[list[str]]
) -> tuple[dict[tuple[str, str], list[str]], dict[str, list[str]], dict[str, list[str]]]:
    """Put a waypoint of each long edge in every column it spans; its chain of waypoints,
    and each slot's neighbours in the column before and after."""
    before: dict[str, list[str]] = {name: [] for names in columns for name in names}
    after: dict[str, list[str]] = {name: [] for name in before}
    chains: dict[tuple[str, str], list[str]] = {pair: [] for pair in pairs}
    budget = _WAYPOINTS_PER_STEP * len(before) + _WAYPOINTS_PER_STEP
    for up, down in sorted(pairs, key=lambda p: (column[p[1]] - column[p[0]], p)):
        between = range(column[up] + 1, column[down])
        if len(between) > budget:  # the longest edges of a huge DAG: straight across
            break
        budget -= len(between)
        chain = [f"{_WAYPOINT}{up}{_WAYPOINT}{down}{_WAYPOINT}{c}" for c in between]
        for c, waypoint in zip(between, chain, strict=True):
            columns[c].append(waypoint)
            before[waypoint], after[waypoint] = [], []
        for a, b in pairwise([up, *chain, down]):
            after[a].append(b)
            before[b].append(a)
        chains[(up, down)] = chain
    for up, down in pairs:
        if not chains[(up, down)] and column[down] - column[up] > 1:
            after[up].append(down)
            before[down].append(up)
    return chains, before, after


def _order_columns(
    columns: list[list[str]],
    before: Mapping[str, Sequence[str]],
    after: Mapping[str, Sequence[str]],
) -> None:
    """Reorder each column by the mean row of its neighbours, sweeping right then left."""
    row = {name: r for names in columns for r, name in enumerate(names)}
    for sweep in range(_SWEEPS):
        forward = sweep % 2 == 0
        indices = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
        neighbours = before if forward else after
        for c in indices:
            names = columns[c]
            names.sort(key=lambda name: (_barycentre(name, neighbours, row), row[name], name))
            for r, name in enumerate(names):
                row[name] = r


def _barycentre(
    name: str, neighbours: Mapping[str, Sequence[str]], row: Mapping[str, int]
) -> float:
    rows = [row[n] for n in neighbours[name]]
    return sum(rows) / len(rows) if rows else float(row[name])
