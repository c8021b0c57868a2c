"""A ``when`` as the CEL expression of a KFP ``triggerPolicy.condition``.

KFP evaluates the condition of a sub-DAG task on that task's input
parameters (``inputs.parameter_values['name']``), with numbers as doubles;
the kfp SDK casts integer parameters with ``int(...)``, and so does this.
Truthiness, which CEL has not, is a comparison with the type's empty value.
"""

from __future__ import annotations

import math
from typing import Any

from axl.compiler.kfp.options import KfpOptionsError
from axl.ir import IRCondition

_COMPARISONS = frozenset({"==", "!=", ">", ">=", "<", "<="})
_EMPTY = {"BOOLEAN": "false", "NUMBER_INTEGER": "0", "NUMBER_DOUBLE": "0.0", "STRING": "''"}


def expression(condition: IRCondition, kind: str, input_name: str) -> str:
    """The CEL text of ``condition`` on the input ``input_name`` of ``kind`` (a parameter type)."""
    left = f"inputs.parameter_values[{_string(input_name)}]"
    if kind == "NUMBER_INTEGER":
        left = f"int({left})"
    op = condition.op
    if op in ("truthy", "falsy"):
        if kind not in _EMPTY:
            raise _unsupported(condition, f"the truth of a {kind.lower()} value")
        return f"{left} {'!=' if op == 'truthy' else '=='} {_EMPTY[kind]}"
    if op in _COMPARISONS:
        return f"{left} {op} {literal(condition.value, kind, condition)}"
    if op in ("in", "not in"):
        if not isinstance(condition.value, list | tuple):
            raise _unsupported(condition, f"{op!r} with a value that is not a list")
        items = ", ".join(literal(item, kind, condition) for item in condition.value)
        test = f"{left} in [{items}]"
        return test if op == "in" else f"!({test})"
    raise _unsupported(condition, f"the operator {op!r}")


def literal(value: Any, kind: str, condition: IRCondition) -> str:
    """``value`` as a CEL literal, numbers as doubles when the parameter is one."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise _unsupported(condition, f"the number {value!r}")
        if kind == "NUMBER_DOUBLE" or isinstance(value, float):
            return repr(float(value))
        return str(value)
    if isinstance(value, str):
        return _string(value)
    raise _unsupported(condition, f"the literal {value!r}")


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"'{escaped}'"


def _unsupported(condition: IRCondition, what: str) -> KfpOptionsError:
    return KfpOptionsError(
        f"when={condition.text!r}: KFP conditions cannot express {what}",
        hint="compare with a literal (==, !=, <, >, in) or compile with --target argo",
    )
