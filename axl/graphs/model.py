"""The picture of a workflow as plain nodes and edges, built once from the IR.

Both syntaxes (:mod:`axl.graphs.mermaid`, :mod:`axl.graphs.dot`) render the
same :class:`Graph`, so what a step shows (its handler, its badges) is decided
here and only drawn there.

Params are nodes of their own. The IR knows that a step reads a param when the
param is bound to one of the step's arguments or named by its ``when``: those
reads become edges. A read inside a step's body (``self.greeting``,
``self.params.x``) is invisible to the IR, so a param without edges may still
be read by a step; every param sits in one ``params`` group for that reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from axl.dataclass_fast import dataclass
from axl.ir import IRNode, IRParam, IRWorkflow

NodeKind = Literal["step", "param"]
EdgeKind = Literal["data", "when"]
"""``data``: the source's value feeds an argument; ``when``: the source only decides
whether the target runs (a condition that reads it)."""

MAX_VALUE_TEXT = 40
"""Characters of a param's value (or default) shown on its node."""
_DIGEST_HEX = 12
"""Hex digits of an image digest shown on a node (the full digest is in the YAML)."""

_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NOT_ID = re.compile(r"[^A-Za-z0-9_]+")


@dataclass(frozen=True)
class Badge:
    """A mark on a step: ``kind`` (when, cache, retries, image) and the text shown."""

    kind: str
    text: str


@dataclass(frozen=True)
class Node:
    """A step or a param. ``id`` is safe in Mermaid and DOT; ``title`` is the name as written."""

    id: str
    kind: NodeKind
    title: str
    detail: str
    badges: tuple[Badge, ...] = ()


@dataclass(frozen=True)
class Edge:
    """``source`` to ``target`` (node ids); ``label`` is the argument fed, when it is not
    named like the source."""

    source: str
    target: str
    kind: EdgeKind
    label: str | None = None


@dataclass(frozen=True)
class Graph:
    """A whole workflow: steps in definition order, then params in declaration order."""

    name: str
    steps: tuple[Node, ...]
    params: tuple[Node, ...]
    edges: tuple[Edge, ...]


def graph_of(ir: IRWorkflow, values: Mapping[str, Any] | None = None) -> Graph:
    """The picture of ``ir``; with ``values`` (resolved params), param nodes show them
    instead of the declared defaults."""
    step_ids = _ids((node.name for node in ir.nodes), plain="s_", other="t")
    param_names = _param_names(ir)
    param_ids = _ids(param_names, plain="p_", other="q")
    declared = {p.name: p for p in ir.params}
    steps = tuple(_step_node(node, step_ids[node.name]) for node in ir.nodes)
    params = tuple(
        _param_node(name, param_ids[name], declared.get(name), values) for name in param_names
    )
    edges: list[Edge] = []
    for edge in ir.edges:
        if edge.arg is None:
            edges.append(Edge(step_ids[edge.source], step_ids[edge.target], "when", "when"))
        else:
            label = None if edge.arg == edge.source else edge.arg
            edges.append(Edge(step_ids[edge.source], step_ids[edge.target], "data", label))
    for node in ir.nodes:
        target = step_ids[node.name]
        for arg in node.inputs:
            if arg.source == "param" and arg.ref is not None:
                label = None if arg.name == arg.ref else arg.name
                edges.append(Edge(param_ids[arg.ref], target, "data", label))
        if node.when is not None and node.when.source == "param":
            edges.append(Edge(param_ids[node.when.ref], target, "when", "when"))
    return Graph(name=ir.name, steps=steps, params=params, edges=tuple(edges))


def _param_names(ir: IRWorkflow) -> list[str]:
    """Declared params, then those only read (a workflow with open params may read any)."""
    names = [p.name for p in ir.params]
    seen = set(names)
    for node in ir.nodes:
        refs = [i.ref for i in node.inputs if i.source == "param" and i.ref is not None]
        if node.when is not None and node.when.source == "param":
            refs.append(node.when.ref)
        for ref in refs:
            if ref not in seen:
                seen.add(ref)
                names.append(ref)
    return names


def _ids(names: Any, *, plain: str, other: str) -> dict[str, str]:
    """Node ids that need no quoting anywhere: ``s_load`` for a plain ASCII name; any other
    name becomes ``t<position>_<ASCII rest>``, a form no plain name can take."""
    ids: dict[str, str] = {}
    for position, name in enumerate(names):
        if _PLAIN_NAME.match(name):
            ids[name] = f"{plain}{name}"
        else:
            rest = _NOT_ID.sub("_", name).strip("_")
            ids[name] = f"{other}{position}_{rest}" if rest else f"{other}{position}"
    return ids


def _step_node(node: IRNode, node_id: str) -> Node:
    output = node.output
    detail = f"{output.handler} · {output.annotation}" if output.annotation else output.handler
    return Node(node_id, "step", node.name, detail, _badges(node))


def _badges(node: IRNode) -> tuple[Badge, ...]:
    badges = []
    if node.when is not None:
        badges.append(Badge("when", f"when {node.when.text}"))
    if node.cache:
        badges.append(Badge("cache", "cache"))
    if node.retries is not None and node.retries.count:
        badges.append(Badge("retries", f"retries {node.retries.count}"))
    if node.image is not None:
        badges.append(Badge("image", f"image {short_image(node.image)}"))
    return tuple(badges)


def short_image(ref: str) -> str:
    """An image reference with its digest cut to 12 hex digits (``…@sha256:0123456789ab``)."""
    name, at, digest = ref.partition("@")
    if not at:
        return ref
    algorithm, colon, hex_part = digest.partition(":")
    if not colon:
        return ref
    return f"{name}@{algorithm}:{hex_part[:_DIGEST_HEX]}"


def _param_node(
    name: str, node_id: str, decl: IRParam | None, values: Mapping[str, Any] | None
) -> Node:
    typed = f"{name}: {decl.type}" if decl is not None and decl.type else name
    if values is not None and name in values:
        detail = f"= {value_text(values[name])}"
    elif decl is None:
        detail = "undeclared"
    elif decl.required:
        detail = "required"
    else:
        detail = f"= {value_text(decl.default)}"
    return Node(node_id, "param", typed, detail)


def value_text(value: Any) -> str:
    """A param value as Python writes it, cut to :data:`MAX_VALUE_TEXT` characters."""
    text = repr(value)
    if len(text) > MAX_VALUE_TEXT:
        return text[: MAX_VALUE_TEXT - 3] + "..."
    return text
