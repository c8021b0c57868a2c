"""Mermaid flowchart text of a :class:`~axl.graphs.model.Graph` (GitHub renders it in Markdown).

Every label is a quoted string; the characters Mermaid would read as syntax or
HTML are written as its entity codes (``#quot;``, ``#lt;``...), so any step or
param name, unicode included, is shown as written.
"""

from __future__ import annotations

from axl.graphs.model import Edge, Graph, Node

DIRECTIONS = {"TD": "TD", "LR": "LR"}
"""``--direction`` to Mermaid's own word for it."""

_INDENT = "    "
_ESCAPES = str.maketrans(
    {
        '"': "#quot;",
        "#": "#35;",
        "&": "#amp;",
        "<": "#lt;",
        ">": "#gt;",
        "`": "#96;",
        "%": "#37;",
        "\n": " ",
        "\r": " ",
        "\t": " ",
    }
)


def escape(text: str) -> str:
    """``text`` as the inside of a quoted Mermaid label."""
    return text.translate(_ESCAPES)


def to_mermaid(graph: Graph, direction: str = "TD") -> str:
    """The ``flowchart`` of ``graph``, ending with a newline; the same graph, the same text."""
    lines = [f"flowchart {DIRECTIONS[direction]}"]
    if graph.params:
        lines.append(f'{_INDENT}subgraph axl_params["params"]')
        lines.extend(f"{_INDENT * 2}{_node(node)}" for node in graph.params)
        lines.append(f"{_INDENT}end")
    lines.extend(f"{_INDENT}{_node(node)}" for node in graph.steps)
    lines.extend(f"{_INDENT}{_edge(edge)}" for edge in graph.edges)
    conditional = [n.id for n in graph.steps if any(b.kind == "when" for b in n.badges)]
    if conditional:
        lines.append(f"{_INDENT}classDef conditional stroke-dasharray:5 5")
        lines.append(f"{_INDENT}class {','.join(conditional)} conditional")
    return "\n".join(lines) + "\n"


def _node(node: Node) -> str:
    parts = [node.title, node.detail]
    if node.badges:
        parts.append(" ".join(f"[{badge.text}]" for badge in node.badges))
    label = "<br/>".join(escape(part) for part in parts)
    if node.kind == "param":
        return f'{node.id}[/"{label}"/]'
    return f'{node.id}("{label}")'


def _edge(edge: Edge) -> str:
    arrow = "-.->" if edge.kind == "when" else "-->"
    if edge.label is None:
        return f"{edge.source} {arrow} {edge.target}"
    return f'{edge.source} {arrow}|"{escape(edge.label)}"| {edge.target}'
