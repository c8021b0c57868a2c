"""Parse a DAG task's ``depends`` expression: ``A && (B.Failed || !C.Skipped)``."""

from __future__ import annotations

import re

from axl.dataclass_fast import dataclass

RESULTS = (
    "Succeeded",
    "Failed",
    "Errored",
    "Skipped",
    "Omitted",
    "Daemoned",
    "AnySucceeded",
    "AllFailed",
)
ITEM_RESULTS = frozenset({"AnySucceeded", "AllFailed"})
"""Results about the items of a looping task (withItems, withParam, withSequence)."""

_TOKEN = re.compile(
    r"\s*(?:(?P<op>&&|\|\||!|\(|\))|(?P<name>[a-zA-Z0-9][-a-zA-Z0-9]*)(?:\.(?P<result>\w+))?)"
)


class DependsError(ValueError):
    """The expression cannot be parsed; the message says where."""


@dataclass(frozen=True)
class Reference:
    """One task named in the expression, with the result it tests (``None``: any success)."""

    task: str
    result: str | None


_TERM = r"[a-zA-Z0-9][-a-zA-Z0-9]*(?:\.(?:" + "|".join(RESULTS) + r"))?"
_CONJUNCTION = re.compile(rf"\s*{_TERM}(?:\s*&&\s*{_TERM})*\s*")
"""``A.Succeeded && B``: the common form, read without the parser."""


def parse_depends(text: str) -> list[Reference]:
    """The tasks ``text`` refers to, in order; raises :class:`DependsError` if malformed."""
    if _CONJUNCTION.fullmatch(text):
        refs = []
        for term in text.split("&&"):
            name, _, result = term.strip().partition(".")
            refs.append(Reference(name, result or None))
        return refs
    tokens: list[tuple[str, str | Reference]] = []
    pos = 0
    stripped = text.rstrip()
    while pos < len(stripped):
        match = _TOKEN.match(stripped, pos)
        if match is None:
            raise DependsError(f"unexpected {stripped[pos:].strip()[:20]!r} in {text!r}")
        if match.group("op"):
            tokens.append(("op", match.group("op")))
        else:
            result = match.group("result")
            if result is not None and result not in RESULTS:
                raise DependsError(
                    f"unknown result '.{result}' in {text!r} (use {', '.join(RESULTS)})"
                )
            tokens.append(("task", Reference(match.group("name"), result)))
        pos = match.end()
    if not tokens:
        raise DependsError("the expression is empty")
    _Parser(tokens, text).parse()
    return [ref for kind, ref in tokens if kind == "task" and isinstance(ref, Reference)]


class _Parser:
    """Checks the grammar: ``or := and ('||' and)*``, ``and := not ('&&' not)*``,
    ``not := '!' not | '(' or ')' | task``."""

    def __init__(self, tokens: list[tuple[str, str | Reference]], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.pos = 0

    def parse(self) -> None:
        self._or()
        if self.pos != len(self.tokens):
            raise DependsError(f"unexpected {self._show()} in {self.text!r}")

    def _or(self) -> None:
        self._and()
        while self._accept("||"):
            self._and()

    def _and(self) -> None:
        self._not()
        while self._accept("&&"):
            self._not()

    def _not(self) -> None:
        if self._accept("!"):
            self._not()
        elif self._accept("("):
            self._or()
            if not self._accept(")"):
                raise DependsError(f"missing ')' in {self.text!r}")
        elif self.pos < len(self.tokens) and self.tokens[self.pos][0] == "task":
            self.pos += 1
        else:
            raise DependsError(f"expected a task name, found {self._show()} in {self.text!r}")

    def _accept(self, op: str) -> bool:
        if self.pos < len(self.tokens) and self.tokens[self.pos] == ("op", op):
            self.pos += 1
            return True
        return False

    def _show(self) -> str:
        if self.pos >= len(self.tokens):
            return "the end"
        value = self.tokens[self.pos][1]
        return repr(value.task if isinstance(value, Reference) else value)
