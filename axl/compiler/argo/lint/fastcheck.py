"""A fast yes/no pre-check of a document against a JSON schema.

``jsonschema`` spends most of its time on bookkeeping for each value it visits
(about 20 µs), which makes a 2,000-task workflow take seconds. This module
compiles a schema into plain closures that only answer "valid?". It is
conservative: anything it does not handle exactly like ``jsonschema`` (an
unknown keyword, a float where an integer is expected, a non-string enum, a
remote ``$ref``) answers "no", and then ``jsonschema`` validates that part and
explains. So a "yes" here is always right, and the errors always come from
``jsonschema``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from numbers import Number
from typing import Any

Check = Callable[[Any], bool]
_Cell = list[Check]
"""One check in a list, so that it can replace itself once compiled (see ``_lazy``)."""

# Keywords that only annotate; jsonschema does not assert ``format`` by default either.
_ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "default",
        "format",
        "readOnly",
        "writeOnly",
        "examples",
        "deprecated",
        "$comment",
        "$id",
        "$schema",
        "definitions",
        "$defs",
    }
)
_HANDLED = frozenset(
    {
        "type",
        "properties",
        "additionalProperties",
        "required",
        "items",
        "enum",
        "const",
        "pattern",
        "maxLength",
        "minLength",
        "maxItems",
        "minItems",
        "minimum",
        "maximum",
        "anyOf",
        "$ref",
    }
)


def _never(_value: Any) -> bool:
    return False


def _always(_value: Any) -> bool:
    return True


def _is_integer(value: Any) -> bool:
    return type(value) is int


def _is_number(value: Any) -> bool:
    return type(value) is int or type(value) is float


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": _is_integer,
    "number": _is_number,
}


class _Compiler:
    """Compiles schema objects of one root document; ``#/...`` references resolve in it."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, _Cell] = {}
        self.compiling: set[str] = set()
        """The references being compiled (a reference inside one of them is recursive)."""

    def compile(self, node: Any) -> Check:
        if node is True:
            return _always
        if not isinstance(node, dict):
            return _never
        keywords = {k: v for k, v in node.items() if k not in _ANNOTATIONS and k[:2] != "x-"}
        if not keywords.keys() <= _HANDLED:
            return _never
        if "items" in keywords and not isinstance(keywords["items"], dict):
            return _never
        scalar = [c for c in self._scalar_checks(keywords) if c is not _always]
        type_check = self._type(keywords.get("type"))
        items = self._lazy(keywords["items"]) if "items" in keywords else None
        if type_check is _TYPES["object"] and items is None and not scalar:
            object_check = self._object(keywords, typed=True)
            if object_check is not None:
                return object_check
        return _combine(type_check, self._object(keywords), items, scalar)

    def _type(self, spec: Any) -> Check | None:
        if spec is None:
            return None
        names = [spec] if isinstance(spec, str) else spec
        if not isinstance(names, list) or not all(n in _TYPES for n in names):
            return _never
        checks = [_TYPES[n] for n in names]
        if len(checks) == 1:
            return checks[0]
        return lambda v: any(c(v) for c in checks)

    def _object(self, keywords: Mapping[str, Any], typed: bool = False) -> Check | None:
        """The check of an object's fields; with ``typed``, also that the value is an object."""
        if not ({"properties", "additionalProperties", "required"} & keywords.keys()):
            return None
        props = {name: self._lazy(sub) for name, sub in keywords.get("properties", {}).items()}
        required = tuple(keywords.get("required", ()))
        extra_spec = keywords.get("additionalProperties", True)
        forbid_extra = extra_spec is False
        extra = None if extra_spec is True or forbid_extra else self._lazy(extra_spec)

        if not required and extra is None:
            get = props.get

            def closed(value: dict[Any, Any]) -> bool:
                if typed and type(value) is not dict and not isinstance(value, dict):
                    return False
                for key, item in value.items():
                    sub = get(key)
                    if sub is None:
                        if forbid_extra:
                            return False
                    elif not sub[0](item):
                        return False
                return True

            return closed

        def check(value: dict[Any, Any]) -> bool:
            if typed and type(value) is not dict and not isinstance(value, dict):
                return False
            for name in required:
                if name not in value:
                    return False
            for key, item in value.items():
                sub = props.get(key)
                if sub is not None:
                    if not sub[0](item):
                        return False
                elif forbid_extra or (extra is not None and not extra[0](item)):
                    return False
            return True

        return check

    def _lazy(self, node: Any) -> _Cell:
        """A cell whose check compiles ``node`` on first use, then replaces itself.

        The schemas are large and recursive; callers call ``cell[0]`` so that,
        once compiled, a check costs no extra call.
        """
        cell: _Cell = []

        def first(value: Any) -> bool:
            if cell[0] is first:  # a caller may still hold this stub after it was replaced
                cell[0] = self.compile(node)
            return cell[0](value)

        cell.append(first)
        return cell

    def _ref(self, ref: Any) -> Check:
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return _never
        if ref not in self.refs:
            target: Any = self.root
            for part in ref[2:].split("/"):
                if not isinstance(target, dict) or part not in target:
                    return _never
                target = target[part]
            # Compiled now (one level: its fields stay lazy), so callers hold the check itself.
            self.compiling.add(ref)
            self.refs[ref] = [_never]
            self.refs[ref][0] = self.compile(target)
            self.compiling.discard(ref)
        cell = self.refs[ref]
        if ref not in self.compiling:
            return cell[0]

        def later(value: Any) -> bool:  # a recursive reference: its target is being compiled
            return cell[0](value)

        return later

    def _scalar_checks(self, kw: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        if "$ref" in kw:
            checks.append(self._ref(kw["$ref"]))
        if "enum" in kw:
            checks.append(_enum(kw["enum"]))
        if "const" in kw:
            checks.append(_enum([kw["const"]]))
        if "pattern" in kw:
            checks.append(_pattern(kw["pattern"]))
        checks.extend(_bounds(kw))
        if "anyOf" in kw:
            checks.append(self._any_of(kw["anyOf"]))
        return checks

    def _any_of(self, subs: Any) -> Check:
        # No ``oneOf``: a "not sure" on one branch could turn two matches into one.
        if not isinstance(subs, list):
            return _never
        options = [self.compile(sub) for sub in subs]
        return lambda v: any(c(v) for c in options)


def _combine(
    type_check: Check | None, object_check: Check | None, items: _Cell | None, scalar: list[Check]
) -> Check:
    """One check of a value's type, fields, items and scalar keywords, in that order.

    The common shapes (a typed leaf, a typed object, a typed list) get a
    closure of their own: the validators run millions of times per document.
    """
    if object_check is None and items is None and not scalar:
        return type_check if type_check is not None else _always
    if type_check is None and object_check is None and items is None and len(scalar) == 1:
        return scalar[0]
    if type_check is _TYPES["array"] and object_check is None and not scalar and items:

        def typed_list(value: Any) -> bool:
            if not isinstance(value, list):
                return False
            item = items[0]
            for one in value:  # noqa: SIM110 - a plain loop is faster than all() here
                if not item(one):
                    return False
            return True

        return typed_list

    def check(value: Any) -> bool:
        if type_check is not None and not type_check(value):
            return False
        if object_check is not None and isinstance(value, dict) and not object_check(value):
            return False
        if items is not None and isinstance(value, list):
            item = items[0]
            for one in value:
                if not item(one):
                    return False
        for one in scalar:  # noqa: SIM110 - a plain loop is faster than all() here
            if not one(value):
                return False
        return True

    return check


def _enum(values: Any) -> Check:
    if not isinstance(values, list) or not all(type(v) in (str, int, bool) for v in values):
        return _never
    allowed = {(type(v), v) for v in values}
    return lambda v: type(v) in (str, int, bool) and (type(v), v) in allowed


def _pattern(pattern: Any) -> Check:
    if not isinstance(pattern, str):
        return _never
    search = re.compile(pattern).search
    return lambda v: not isinstance(v, str) or search(v) is not None


def _bounds(kw: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    sized: tuple[tuple[str, type[str] | type[list[Any]], bool], ...] = (
        ("maxLength", str, False),
        ("minLength", str, True),
        ("maxItems", list, False),
        ("minItems", list, True),
    )
    for key, kind, low in sized:
        if key in kw:
            checks.append(_size(kind, kw[key], low))
    for key, low in (("minimum", True), ("maximum", False)):
        if key in kw:
            checks.append(_range(kw[key], low))
    return checks


def _size(kind: type[str] | type[list[Any]], bound: Any, low: bool) -> Check:
    if type(bound) is not int:
        return _never
    if low:
        return lambda v: not isinstance(v, kind) or len(v) >= bound
    return lambda v: not isinstance(v, kind) or len(v) <= bound


def _range(bound: Any, low: bool) -> Check:
    if not _is_number(bound):
        return _never

    def check(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, Number):
            return True
        if not _is_number(value):
            return False
        return bool(value >= bound) if low else bool(value <= bound)

    return check


def compile_check(schema: Any, root: Mapping[str, Any] | None = None) -> Check:
    """A function that answers True only if ``schema`` accepts the value.

    ``root`` is the document that ``#/...`` references point into (default:
    ``schema`` itself). A False answer means "not sure": validate with
    ``jsonschema`` to know, and to learn why.
    """
    base = root if root is not None else schema
    return _Compiler(base if isinstance(base, Mapping) else {}).compile(schema)
