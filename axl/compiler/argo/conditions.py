"""``when=`` as an Argo ``when`` expression (evaluated by Argo with govaluate).

The left side is text Argo substitutes before evaluating:

* a step's output: ``{{tasks.<task>.outputs.parameters.value}}``, the value as
  JSON text (the runner writes it to ``value.json``). JSON is also how
  govaluate reads literals, so numbers compare as numbers, text arrives
  quoted (``"full"``), ``true``/``false`` as booleans and ``null`` as itself.
* a param: ``{{workflow.parameters.<name>}}``, wrapped in double quotes when
  the param is text, left bare when it is a number or a bool.

The right side is the literal as JSON. ``in [a, b]`` becomes ``in (a, b)``
(one item: ``==``; empty list: ``false``); ``not in`` is ``!(... in ...)``.
Truthiness follows Python for scalars: a step output is truthy unless it is
``false``, ``0``, ``""`` or ``null``; a number param unless ``0``; a bool
param when ``true``; a text param unless empty or ``null``. Conditions read
scalars on Argo: a step returning a list or mapping cannot be compared there.
"""

from __future__ import annotations

import json
from typing import Any

from axl.ir import IRCondition

_STEP_FALSY = ("false", "0", '""', "null")


def step_operand(task: str) -> str:
    """The substituted JSON value of an upstream task's output."""
    return f"{{{{tasks.{task}.outputs.parameters.value}}}}"


def param_operand(name: str, kind: str) -> str:
    """The substituted param, quoted when it is text."""
    ref = f"{{{{workflow.parameters.{name}}}}}"
    return f'"{ref}"' if kind == "text" else ref


def literal(value: Any) -> str:
    """A Python literal as govaluate reads it (JSON text; ``None`` is ``null``)."""
    return json.dumps(value, sort_keys=True, allow_nan=False)


def when_expression(cond: IRCondition, left: str, kind: str) -> str:
    """The whole ``when`` text for ``cond`` with ``left`` the operand; ``kind`` as above."""
    op = cond.op
    if op in ("truthy", "falsy"):
        return _truth(left, kind, truthy=op == "truthy")
    if op in ("in", "not in"):
        items = list(cond.value or [])
        if not items:
            return "false" if op == "in" else "true"
        if len(items) == 1:
            return f"{left} {'==' if op == 'in' else '!='} {literal(items[0])}"
        member = f"{left} in ({', '.join(literal(v) for v in items)})"
        return member if op == "in" else f"!({member})"
    return f"{left} {op} {literal(cond.value)}"


def _truth(left: str, kind: str, *, truthy: bool) -> str:
    """Python truthiness of the operand, or its negation, without ``!(...)``."""
    if kind == "bool":
        return f"{left} == true" if truthy else f"{left} != true"
    falsy = ("0",) if kind == "number" else ('""', '"null"') if kind == "text" else _STEP_FALSY
    if truthy:
        return " && ".join(f"{left} != {value}" for value in falsy)
    return " || ".join(f"{left} == {value}" for value in falsy)
