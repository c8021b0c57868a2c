"""A strict parser of the Mermaid subset ``axl graph`` writes, for the tests.

It accepts exactly the statements :mod:`axl.graphs.mermaid` emits and fails on
anything else: a raw ``"`` or ``<`` in a label, a ``#`` that does not start an
entity code, an edge to an undeclared node, a Mermaid keyword as an id, an
unclosed subgraph. Labels are decoded (entity codes, ``<br/>``) so a test can
compare them with the names they came from. The real Mermaid parser runs in
``test_mermaid_parses_in_mermaid`` when its npm package is installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ID = r"[A-Za-z_][A-Za-z0-9_]*"
LABEL = r'"([^"]*)"'
KEYWORDS = {
    "end", "graph", "flowchart", "subgraph", "class", "classDef", "click", "style",
    "linkStyle", "direction", "call", "href", "default",
}  # fmt: skip
_HEADER = re.compile(r"^flowchart (TD|LR)$")
_SUBGRAPH = re.compile(rf"^subgraph ({ID})\[{LABEL}\]$")
_STEP = re.compile(rf"^({ID})\({LABEL}\)$")
_PARAM = re.compile(rf"^({ID})\[/{LABEL}/\]$")
_EDGE = re.compile(rf"^({ID}) (-->|-\.->)(?:\|{LABEL}\|)? ({ID})$")
_CLASSDEF = re.compile(rf"^classDef ({ID}) ([a-z-]+:[^;,]+(?:,[a-z-]+:[^;,]+)*)$")
_CLASS = re.compile(rf"^class ({ID}(?:,{ID})*) ({ID})$")
_ENTITY = re.compile(r"#(\w+);")
_NAMED = {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}


class MermaidSyntaxError(ValueError):
    """The text is not in the subset."""


@dataclass
class Flowchart:
    direction: str
    nodes: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    """id -> (shape: step or param, label lines decoded)."""
    groups: dict[str, list[str]] = field(default_factory=dict)
    edges: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    """(source, arrow: data or when, target, label)."""
    classes: dict[str, list[str]] = field(default_factory=dict)


def decode(label: str, lineno: int) -> list[str]:
    """A quoted label's lines as Mermaid shows them."""
    if "\n" in label or "`" in label:
        raise MermaidSyntaxError(f"line {lineno}: raw newline or backtick in {label!r}")
    lines = []
    for part in label.split("<br/>"):
        if "<" in part or ">" in part:
            raise MermaidSyntaxError(f"line {lineno}: raw < or > in label {label!r}")
        if _ENTITY.sub("", part).count("#"):
            raise MermaidSyntaxError(f"line {lineno}: a # that starts no entity in {label!r}")

        def entity(match: re.Match[str]) -> str:
            code = match[1]
            if code.isdigit():
                return chr(int(code))
            if code not in _NAMED:
                raise MermaidSyntaxError(f"line {lineno}: unknown entity #{code};")
            return _NAMED[code]

        lines.append(_ENTITY.sub(entity, part))
    return lines


def parse(text: str) -> Flowchart:
    """The flowchart, or :class:`MermaidSyntaxError` naming the first line outside the subset."""
    if not text.endswith("\n"):
        raise MermaidSyntaxError("the text does not end with a newline")
    lines = text[:-1].split("\n")
    head = _HEADER.match(lines[0])
    if head is None:
        raise MermaidSyntaxError(f"line 1: not a flowchart header: {lines[0]!r}")
    chart = Flowchart(direction=head[1])
    group: str | None = None
    for lineno, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        indent = 8 if group is not None and line != "end" else 4
        if raw != " " * indent + line:
            raise MermaidSyntaxError(f"line {lineno}: indentation of {raw!r}")
        if (m := _SUBGRAPH.match(line)) is not None:
            if group is not None:
                raise MermaidSyntaxError(f"line {lineno}: nested subgraph")
            group = _declare(chart, m[1], lineno)
            chart.groups[group] = []
            decode(m[2], lineno)
        elif line == "end":
            if group is None:
                raise MermaidSyntaxError(f"line {lineno}: end without subgraph")
            group = None
        elif (m := _STEP.match(line) or _PARAM.match(line)) is not None:
            shape = "step" if line.endswith(")") else "param"
            node = _declare(chart, m[1], lineno)
            chart.nodes[node] = (shape, decode(m[2], lineno))
            if group is not None:
                chart.groups[group].append(node)
        elif (m := _EDGE.match(line)) is not None:
            for end in (m[1], m[4]):
                if end not in chart.nodes:
                    raise MermaidSyntaxError(f"line {lineno}: edge to undeclared node {end}")
            label = None if m[3] is None else "\n".join(decode(m[3], lineno))
            chart.edges.append((m[1], "data" if m[2] == "-->" else "when", m[4], label))
        elif (m := _CLASSDEF.match(line)) is not None:
            chart.classes[m[1]] = []
        elif (m := _CLASS.match(line)) is not None:
            if m[2] not in chart.classes:
                raise MermaidSyntaxError(f"line {lineno}: class {m[2]} is not defined")
            for node in m[1].split(","):
                if node not in chart.nodes:
                    raise MermaidSyntaxError(f"line {lineno}: class of undeclared node {node}")
            chart.classes[m[2]].extend(m[1].split(","))
        else:
            raise MermaidSyntaxError(f"line {lineno}: not in the subset: {line!r}")
    if group is not None:
        raise MermaidSyntaxError(f"subgraph {group} is not closed")
    return chart


def _declare(chart: Flowchart, node_id: str, lineno: int) -> str:
    if node_id in KEYWORDS or node_id.lower() in {k.lower() for k in KEYWORDS}:
        raise MermaidSyntaxError(f"line {lineno}: {node_id!r} is a Mermaid keyword")
    if node_id in chart.nodes or node_id in chart.groups:
        raise MermaidSyntaxError(f"line {lineno}: {node_id!r} declared twice")
    return node_id
