"""The layered DAG layout: columns by longest path, rows ordered to shorten edges."""

from __future__ import annotations

from axl.report.layout import COLUMN_GAP, MARGIN, NODE_HEIGHT, NODE_WIDTH, ROW_GAP, layered
from axl.report.model import topological


def _layout(upstream: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    return layered(topological(list(upstream), upstream), upstream)


def test_a_diamond_takes_three_columns() -> None:
    layout = _layout({"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]})
    assert {n: (b.column, b.row) for n, b in layout.boxes.items()} == {
        "a": (0, 0), "b": (1, 0), "c": (1, 1), "d": (2, 0),
    }  # fmt: skip
    assert [(e.source, e.target, e.via) for e in layout.edges] == [
        ("a", "b", ()), ("a", "c", ()), ("b", "d", ()), ("c", "d", ()),
    ]  # fmt: skip
    assert layout.width == 2 * MARGIN + 3 * NODE_WIDTH + 2 * COLUMN_GAP
    assert layout.boxes["c"].y == layout.boxes["b"].y + NODE_HEIGHT + ROW_GAP


def test_a_step_goes_after_its_longest_path_and_a_long_edge_around_the_boxes() -> None:
    layout = _layout({"a": [], "b": ["a"], "c": ["b"], "d": ["a", "c"]})
    assert layout.boxes["d"].column == 3
    (long,) = [e for e in layout.edges if (e.source, e.target) == ("a", "d")]
    assert [x for x, _ in long.via] == [layout.boxes["b"].x, layout.boxes["c"].x]
    # Each waypoint has its own slot in its column: never where b or c is drawn.
    assert all(y != layout.boxes[n].y + NODE_HEIGHT // 2 for (_, y), n in zip(long.via, "bc"))
    assert layout.height == 2 * MARGIN + 2 * NODE_HEIGHT + ROW_GAP


def test_rows_follow_their_upstream_to_avoid_crossings() -> None:
    # By name, x (fed by r2) would sit above y (fed by r1): the sweep swaps them.
    layout = _layout({"r1": [], "r2": [], "x": ["r2"], "y": ["r1"]})
    assert (layout.boxes["y"].row, layout.boxes["x"].row) == (0, 1)


def test_the_same_graph_gives_the_same_layout_whatever_order_it_comes_in() -> None:
    upstream = {f"s{i}": [f"s{j}" for j in range(i) if (i * 7 + j) % 5 == 0] for i in range(60)}
    reversed_ = dict(reversed(list(upstream.items())))
    assert _layout(upstream) == _layout(reversed_)


def test_a_wide_dag_of_200_steps_has_no_overlapping_boxes() -> None:
    upstream = {"root": [], **{f"leaf{i:03d}": ["root"] for i in range(199)}}
    layout = _layout(upstream)
    corners = {(b.x, b.y) for b in layout.boxes.values()}
    assert len(corners) == 200
    assert all(b.x + NODE_WIDTH <= layout.width and b.y + NODE_HEIGHT <= layout.height
               for b in layout.boxes.values())  # fmt: skip
    assert layout.height == 2 * MARGIN + 199 * NODE_HEIGHT + 198 * ROW_GAP


def test_an_empty_graph() -> None:
    layout = layered([], {})
    assert (layout.boxes, layout.edges, layout.width, layout.height) == (
        {},
        (),
        2 * MARGIN,
        2 * MARGIN,
    )


def test_a_step_every_step_of_a_long_chain_reads_costs_a_bounded_number_of_waypoints() -> None:
    upstream = {"s000": [], **{f"s{i:03d}": [f"s{i - 1:03d}", "s000"] for i in range(1, 300)}}
    layout = _layout(upstream)
    assert len(layout.edges) == 299 + 298
    waypoints = [len(e.via) for e in layout.edges]
    assert sum(waypoints) <= 4 * 300 + 4
    # The shortest long edges got theirs; the longest are drawn straight across.
    spans = {(e.source, e.target): len(e.via) for e in layout.edges}
    assert spans[("s000", "s002")] == 1 and spans[("s000", "s299")] == 0
    assert layout.height <= 2 * MARGIN + 60 * (NODE_HEIGHT + ROW_GAP)
