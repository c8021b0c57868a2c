"""Pictures of a workflow's DAG: Mermaid and DOT text, SVG and PNG through Graphviz.

:func:`render_graph` is what ``axl graph`` calls: from the IR (and, optionally,
resolved params) to the text or the bytes of one format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axl.errors import UsageError
from axl.graphs.dot import to_dot
from axl.graphs.graphviz import RENDERED, render
from axl.graphs.mermaid import to_mermaid
from axl.graphs.model import Graph, graph_of
from axl.ir import IRWorkflow

TEXT_FORMATS = ("mermaid", "dot")
FORMATS = (*TEXT_FORMATS, *RENDERED)
DIRECTIONS = ("TD", "LR")
SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot"} | {
    f".{fmt}": fmt for fmt in RENDERED
}
"""What ``--out FILE`` means when ``--format`` is not given."""

__all__ = [
    "DIRECTIONS",
    "FORMATS",
    "SUFFIXES",
    "TEXT_FORMATS",
    "Graph",
    "check_choice",
    "graph_of",
    "render_graph",
    "to_dot",
    "to_mermaid",
]


def check_choice(option: str, value: str, choices: tuple[str, ...]) -> str:
    """``value`` when it is one of ``choices``; otherwise a :class:`UsageError` naming them."""
    if value not in choices:
        raise UsageError(
            f"{option} {value!r} is not one of {', '.join(choices)}",
            hint=f"pass {option} {choices[0]}",
        )
    return value


def render_graph(
    ir: IRWorkflow,
    fmt: str,
    *,
    direction: str = "TD",
    values: Mapping[str, Any] | None = None,
) -> str | bytes:
    """The picture of ``ir`` in ``fmt``: text for mermaid and dot, bytes for svg and png."""
    check_choice("--format", fmt, FORMATS)
    check_choice("--direction", direction, DIRECTIONS)
    graph = graph_of(ir, values)
    if fmt == "mermaid":
        return to_mermaid(graph, direction)
    text = to_dot(graph, direction)
    if fmt == "dot":
        return text
    return render(text, fmt)
