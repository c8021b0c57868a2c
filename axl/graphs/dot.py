"""Graphviz DOT text of a :class:`~axl.graphs.model.Graph` (what ``dot -Tsvg`` draws).

Node ids are plain identifiers (see :func:`axl.graphs.model.graph_of`); labels
are HTML-like labels with ``&``, ``<``, ``>`` and ``"`` escaped, and the other
strings are quoted with ``\\`` and ``"`` escaped.
"""

from __future__ import annotations

from axl.graphs.model import Badge, Edge, Graph, Node

DIRECTIONS = {"TD": "TB", "LR": "LR"}
"""``--direction`` to Graphviz's ``rankdir``."""

FONT = "Helvetica,Arial,sans-serif"
_INDENT = "    "
_BADGE_COLORS = {"when": "#8a4b00", "cache": "#1b6e20", "retries": "#8b1a1a", "image": "#1f4e8c"}
_HTML_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": " ", "\r": " ", "\t": " "}
)


def html(text: str) -> str:
    """``text`` inside an HTML-like label."""
    return text.translate(_HTML_ESCAPES)


def quoted(text: str) -> str:
    """``text`` as a DOT double-quoted string."""
    flat = " ".join(text.splitlines())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: Graph, direction: str = "TD") -> str:
    """The ``digraph`` of ``graph``, ending with a newline; the same graph, the same text."""
    lines = [
        f"digraph {quoted(graph.name)} {{",
        f"{_INDENT}graph [rankdir={DIRECTIONS[direction]}, label={quoted(graph.name)}, "
        f'labelloc=t, fontname="{FONT}"];',
        f'{_INDENT}node [shape=box, style=rounded, fontname="{FONT}", fontsize=11];',
        f'{_INDENT}edge [fontname="{FONT}", fontsize=9];',
    ]
    if graph.params:
        lines.append(f"{_INDENT}subgraph cluster_params {{")
        lines.append(f'{_INDENT * 2}label="params"; style=dashed; color="#999999";')
        lines.extend(f"{_INDENT * 2}{_node(node)}" for node in graph.params)
        lines.append(f"{_INDENT}}}")
    lines.extend(f"{_INDENT}{_node(node)}" for node in graph.steps)
    lines.extend(f"{_INDENT}{_edge(edge)}" for edge in graph.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(node: Node) -> str:
    rows = [f"<b>{html(node.title)}</b>", f'<font point-size="9">{html(node.detail)}</font>']
    rows.extend(_badge(badge) for badge in node.badges)
    label = "<br/>".join(rows)
    if node.kind == "param":
        attrs = 'shape=parallelogram, style=filled, fillcolor="#f2f2f2"'
    elif any(badge.kind == "when" for badge in node.badges):
        attrs = 'style="rounded,dashed"'
    else:
        attrs = ""
    return f"{node.id} [{attrs + ', ' if attrs else ''}label=<{label}>];"


def _badge(badge: Badge) -> str:
    color = _BADGE_COLORS.get(badge.kind, "#444444")
    return f'<font point-size="9" color="{color}">[{html(badge.text)}]</font>'


def _edge(edge: Edge) -> str:
    attrs = ["style=dashed"] if edge.kind == "when" else []
    if edge.label is not None:
        attrs.append(f"label={quoted(edge.label)}")
    suffix = f" [{', '.join(attrs)}]" if attrs else ""
    return f"{edge.source} -> {edge.target}{suffix};"
