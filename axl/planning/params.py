"""A workflow's params as backends see them: which ones, their kinds, their wire text."""

from __future__ import annotations

import json
from typing import Any

from axl.ir import IRCondition, IRParam, IRWorkflow

_NUMBER_TYPES = frozenset({"int", "float"})


def workflow_params(ir: IRWorkflow) -> dict[str, IRParam | None]:
    """Declared params in order; for workflows that declare none, the ones steps read."""
    if not ir.open_params:
        return {param.name: param for param in ir.params}
    found: dict[str, IRParam | None] = {}
    for node in ir.nodes:
        for item in node.inputs:
            if item.source == "param" and item.ref is not None:
                found.setdefault(item.ref, None)
        if node.when is not None and node.when.source == "param":
            found.setdefault(node.when.ref, None)
    return found


def param_text(value: Any) -> str:
    """A param value as text that the runner's ``--param k=v`` parses back to ``value``.

    The runner reads a value as JSON when it parses and as text otherwise,
    so plain text stays as it is and everything else is JSON.
    """
    from axl.dsl.params import parse_param_value

    if isinstance(value, str):
        parsed = parse_param_value(value)
        if isinstance(parsed, str) and parsed == value:
            return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def param_kind(param: IRParam | None, cond: IRCondition | None = None) -> str:
    """``number``, ``bool`` or ``text``: from the declared type, the default, then a literal."""
    type_name = param.type if param is not None else None
    if type_name in _NUMBER_TYPES:
        return "number"
    if type_name == "bool":
        return "bool"
    if type_name == "str":
        return "text"
    sample = param.default if param is not None else None
    if sample is None and cond is not None:
        sample = cond.value[0] if isinstance(cond.value, list) and cond.value else cond.value
    if isinstance(sample, bool):
        return "bool"
    if isinstance(sample, int | float):
        return "number"
    return "text"


def value_steps(ir: IRWorkflow) -> frozenset[str]:
    """Steps whose value a ``when`` condition reads."""
    return frozenset(
        node.when.ref for node in ir.nodes if node.when is not None and node.when.source == "step"
    )
