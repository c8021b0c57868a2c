"""Python source as ``ruff format`` writes it, for the small set of forms a job module holds.

An expression is a tree of :class:`Atom` (text that is never split: a name,
a literal) and :class:`Bracket` (a call, a subscript, a list or a dict, each
item an expression with an optional ``key=`` or ``key: `` before it).
:func:`lines` writes a bracket on one line when it fits in :data:`WIDTH`
columns, and otherwise one item a line with a trailing comma: ruff keeps
both as they are (the trailing comma is its "magic" one), so the output is
stable under ``ruff format`` with its default settings.

:func:`literal` turns JSON-like data into such a tree; :func:`string` and
:func:`docstring` quote text as ruff does (double quotes unless single ones
need fewer escapes).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from axl.dataclass_fast import dataclass

WIDTH = 88
"""``ruff format``'s default line length."""
INDENT = "    "

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


@dataclass(frozen=True)
class Atom:
    """Text that stays on one line."""

    text: str


@dataclass(frozen=True)
class Item:
    """One element of a bracket: ``prefix`` (``name=``, ``"key": ``) and its value."""

    prefix: str
    value: Expr


@dataclass(frozen=True)
class Bracket:
    """``head(items)``, ``head[items]``, ``[items]`` or ``{items}``."""

    head: str
    opener: str
    items: tuple[Item, ...]
    explode: bool = False
    """Always one item a line (for readability, whatever fits)."""

    @property
    def closer(self) -> str:
        return {"(": ")", "[": "]", "{": "}"}[self.opener]


Expr = Atom | Bracket


def call(func: str, *args: Expr, explode: bool = False, **kwargs: Expr | None) -> Bracket:
    """``func(args..., name=value...)``; keyword values of None are left out."""
    return call_with(func, args, kwargs.items(), explode=explode)


def call_with(
    func: str,
    args: Sequence[Expr],
    kwargs: Iterable[tuple[str, Expr | None]],
    *,
    explode: bool = False,
) -> Bracket:
    """:func:`call` with keyword names from data (any identifier)."""
    items = [Item("", arg) for arg in args]
    items += [Item(f"{name}=", value) for name, value in kwargs if value is not None]
    return Bracket(func, "(", tuple(items), explode)


def subscript(head: str, *items: Expr) -> Bracket:
    """``head[items]``."""
    return Bracket(head, "[", tuple(Item("", item) for item in items))


def listing(items: Sequence[Expr], *, explode: bool = False) -> Bracket:
    """``[items]``."""
    return Bracket("", "[", tuple(Item("", item) for item in items), explode)


def mapping(items: Sequence[tuple[Expr, Expr]], *, explode: bool = False) -> Bracket:
    """``{key: value}`` (keys are atoms)."""
    pairs = []
    for key, value in items:
        assert isinstance(key, Atom)
        pairs.append(Item(f"{key.text}: ", value))
    return Bracket("", "{", tuple(pairs), explode)


def literal(value: Any, *, explode: bool = False) -> Expr:
    """JSON-like data (dicts keep their order) as a Python expression."""
    if isinstance(value, Mapping):
        return mapping(
            [(Atom(string(str(k))), literal(v, explode=explode)) for k, v in value.items()],
            explode=explode,
        )
    if isinstance(value, list | tuple):
        return listing([literal(v, explode=explode) for v in value], explode=explode)
    return Atom(scalar(value))


def scalar(value: Any) -> str:
    """A ``None``, bool, number or text as Python source."""
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return string(value)
    raise TypeError(f"not a JSON scalar: {type(value).__name__}")


def string(text: str) -> str:
    """``text`` quoted as ruff quotes it: double quotes, unless single ones escape less."""
    if text.isprintable() and not any(ch in text for ch in "\\\"'"):
        return f'"{text}"'
    quote = "'" if text.count('"') > text.count("'") else '"'
    return quote + "".join(_escape(ch, quote) for ch in text) + quote


def _escape(ch: str, quote: str) -> str:
    if ch == quote:
        return "\\" + ch
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ch.isprintable() or ch == " ":
        return ch
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def docstring(text: str, indent: str) -> list[str]:
    """A docstring at ``indent``: stripped lines, closing quotes on their own line when long."""
    body = [_doc_line(line) for line in text.expandtabs().strip().splitlines()]
    body = [line.rstrip() for line in body]
    first = body[0] if body else ""
    if first.startswith('"'):
        first = " " + first
    if len(body) <= 1:
        end = " " if first.endswith('"') else ""
        return [f'{indent}"""{first}{end}"""']
    out = [f'{indent}"""{first}']
    out += [f"{indent}{line}" if line else "" for line in body[1:]]
    if out[-1].endswith('"'):
        out[-1] += " "
    out.append(f'{indent}"""')
    return out


def _doc_line(line: str) -> str:
    text = "".join(_escape(ch, "\0") if ch != "\\" else "\\\\" for ch in line)
    return text.replace('"""', '""\\"')


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal, as ruff counts them (wide characters take two)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def flat(expr: Expr) -> str:
    """The expression on one line."""
    if isinstance(expr, Atom):
        return expr.text
    inner = ", ".join(item.prefix + flat(item.value) for item in expr.items)
    return f"{expr.head}{expr.opener}{inner}{expr.closer}"


def _flat_within(expr: Expr, room: int) -> str | None:
    """:func:`flat`, or None as soon as it is known to take more than ``room`` columns."""
    if isinstance(expr, Atom):
        return expr.text if width(expr.text) <= room else None
    parts = [expr.head, expr.opener]
    used = width(expr.head) + 2
    for i, item in enumerate(expr.items):
        sep = ", " if i else ""
        used += len(sep) + width(item.prefix)
        text = _flat_within(item.value, room - used) if used <= room else None
        if text is None:
            return None
        used += width(text)
        parts += [sep, item.prefix, text]
    parts.append(expr.closer)
    return "".join(parts) if used <= room else None


def _must_explode(expr: Expr) -> bool:
    return isinstance(expr, Bracket) and (
        (expr.explode and bool(expr.items)) or any(_must_explode(i.value) for i in expr.items)
    )


def lines(expr: Expr, indent: str = "", head: str = "", tail: str = "") -> list[str]:
    """``head + expr + tail`` at ``indent``: on one line if it fits, else split item by item."""
    if isinstance(expr, Atom) or not expr.items:
        return [f"{indent}{head}{flat(expr)}{tail}"]
    if not _must_explode(expr):
        one = _flat_within(expr, WIDTH - width(indent) - width(head) - width(tail))
        if one is not None:
            return [f"{indent}{head}{one}{tail}"]
    out = [f"{indent}{head}{expr.head}{expr.opener}"]
    for item in expr.items:
        out += lines(item.value, indent + INDENT, item.prefix, ",")
    out.append(f"{indent}{expr.closer}{tail}")
    return out
