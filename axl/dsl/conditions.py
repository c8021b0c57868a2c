"""The ``when=`` mini-language: run a step only if a condition on an upstream
output or a param holds.

Forms::

    when="evaluate > 0.9"            # compare a step's output with a literal
    when="params.mode == 'full'"     # or a param (also plain ``mode == 'full'``)
    when="use_gpu"                   # truthy
    when="not use_gpu"               # falsy
    when="region in ['eu', 'us']"    # membership

The left side is a step name, ``params.<name>`` or a declared param; the right
side is a Python literal (number, text, bool, None, or a list for ``in``).
Which of step or param a bare name means is settled when the graph is built.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from typing import Any

from axl.dataclass_fast import dataclass
from axl.dsl.options import OptionValueError

_PATTERN = re.compile(
    r"^\s*(?P<neg>not\s+)?(?P<ref>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*"
    r"(?:(?P<op>==|!=|>=|<=|>|<|not\s+in|in)\s*(?P<value>.+?))?\s*$"
)

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "in": lambda left, right: left in right,
    "not in": lambda left, right: left not in right,
}


@dataclass(frozen=True)
class Condition:
    """A parsed ``when=`` clause. ``op`` is ``"truthy"``, ``"falsy"`` or a comparison."""

    ref: str
    op: str
    value: Any = None
    text: str = ""

    @property
    def explicit_param(self) -> bool:
        """True when written as ``params.<name>``."""
        return self.ref.startswith("params.")

    @property
    def name(self) -> str:
        """The step or param name the condition reads."""
        return self.ref.removeprefix("params.")


def parse_condition(text: Any) -> Condition | None:
    """Parse a ``when=`` string; raises :class:`OptionValueError` with the reason."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise OptionValueError('expected a condition string like "evaluate > 0.9"')
    match = _PATTERN.match(text)
    if not match:
        raise OptionValueError(
            f"cannot parse {text!r}; write '<step or param> <op> <literal>' "
            "with op one of ==, !=, >, >=, <, <=, in, not in"
        )
    ref = match["ref"]
    if "." in ref and not ref.startswith("params."):
        raise OptionValueError(
            f"{ref!r}: a condition reads a whole step output or 'params.<name>', not an attribute"
        )
    op_text = match["op"]
    if op_text is None:
        return Condition(ref=ref, op="falsy" if match["neg"] else "truthy", text=text.strip())
    if match["neg"]:
        raise OptionValueError(f"{text!r}: 'not' only goes with a bare name, e.g. 'not use_gpu'")
    op = " ".join(op_text.split())
    try:
        value = ast.literal_eval(match["value"])
    except (ValueError, SyntaxError):
        raise OptionValueError(
            f"{match['value']!r} in {text!r} is not a literal (quote text: 'full')"
        ) from None
    if op in ("in", "not in"):
        if not isinstance(value, list | tuple):
            raise OptionValueError(f"{text!r}: '{op}' needs a list literal, e.g. ['a', 'b']")
        value = list(value)
    _check_json_literal(value, text)
    return Condition(ref=ref, op=op, value=value, text=text.strip())


def _check_json_literal(value: Any, text: str) -> None:
    if isinstance(value, list):
        for item in value:
            _check_json_literal(item, text)
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise OptionValueError(f"{text!r}: the literal must be a finite number")
    if value is not None and not isinstance(value, str | int | float | bool):
        raise OptionValueError(f"{text!r}: literals are numbers, text, true/false or None")


def evaluate_condition(op: str, left: Any, value: Any) -> bool:
    """Evaluate a condition against the value it reads (used by the local engine)."""
    if op == "truthy":
        return bool(left)
    if op == "falsy":
        return not left
    try:
        return bool(OPERATORS[op](left, value))
    except TypeError:
        return False
