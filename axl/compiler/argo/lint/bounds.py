"""Refuse documents the lint cannot walk: cycles, deep nesting, alias bombs.

YAML aliases make a loaded document a graph, not a tree: ``&a [*a]`` is a
list that holds itself, and a few lines of nested aliases ("billion laughs")
stand for billions of nodes. The rules walk every node they reach, so such a
document would make them recurse without end or run for minutes. This check
walks each distinct list and mapping once (counting what a shared one stands
for) and refuses a document that contains itself, nests deeper than
:data:`MAX_DEPTH` levels, or whose shared parts add more than
:data:`MAX_ALIAS_NODES` nodes. Real Argo resources are nowhere near either
limit: a few dozen levels, and aliases that share a template's defaults.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from axl.compiler.argo.lint.findings import format_path
from axl.compiler.argo.lint.loader import LintInputError
from axl.dataclass_fast import dataclass

_CONTAINERS = (dict, list)
MAX_DEPTH = 100
"""Levels of lists and mappings below the document."""
MAX_ALIAS_NODES = 200_000
"""Nodes that aliases (shared lists and mappings) may add to a document."""


class _Refused(Exception):
    """Raised deep in the walk; each level on the way up adds its key to ``path``."""

    def __init__(self, what: str, hint: str) -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint
        self.path: list[Any] = []


@dataclass
class _Walk:
    open: set[int] = field(default_factory=set)
    done: dict[int, tuple[int, int]] = field(default_factory=dict)
    shared: int = 0

    def measure(self, value: dict[Any, Any] | list[Any], depth: int) -> tuple[int, int]:
        """(nodes it stands for, levels below it) of the list or mapping ``value``."""
        key = id(value)
        known = self.done.get(key)
        if known is not None:
            self.shared += known[0]
            if self.shared > MAX_ALIAS_NODES:
                raise _Refused(
                    f"its aliases stand for more than {MAX_ALIAS_NODES} extra nodes "
                    "(reached at {where}): an alias bomb",
                    "write the repeated parts out, or nest fewer aliases",
                )
            if depth + known[1] > MAX_DEPTH:
                raise _too_deep()
            return known
        if key in self.open:
            raise _Refused(
                "{where} contains itself (a recursive YAML alias)",
                "replace the alias with a copy of the value it names",
            )
        if depth >= MAX_DEPTH:
            raise _too_deep()
        self.open.add(key)
        nodes, height = 1, 0
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for part, child in items:
            if isinstance(child, _CONTAINERS):
                try:
                    child_nodes, child_height = self.measure(child, depth + 1)
                except _Refused as refused:
                    refused.path.append(part)
                    raise
                nodes += child_nodes
                height = max(height, child_height + 1)
            else:
                nodes += 1
        self.open.discard(key)
        self.done[key] = (nodes, height)
        return nodes, height


def _too_deep() -> _Refused:
    return _Refused(
        f"{{where}} nests deeper than {MAX_DEPTH} levels",
        "Argo resources are far shallower: flatten the value (or the aliases that build it)",
    )


def check_bounds(doc: Any, source: str = "the document") -> None:
    """Raise :class:`LintInputError` if ``doc`` holds itself, is too deep or an alias bomb."""
    if not isinstance(doc, dict | list):
        return
    try:
        _Walk().measure(doc, 0)
    except _Refused as refused:
        where = format_path(reversed(refused.path)) or "the document"
        where = where if len(where) <= 80 else where[:77] + "..."
        raise LintInputError(
            f"{source}: " + refused.what.replace("{where}", where), hint=refused.hint
        ) from None
