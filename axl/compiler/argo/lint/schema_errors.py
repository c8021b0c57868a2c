"""Turn ``jsonschema`` errors into findings with a path and a plain message."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from axl.compiler.argo.lint.findings import PathPart, did_you_mean

Item = tuple[tuple[PathPart, ...], str, str]
"""(path, rule, message) of one finding."""

_PATTERNS = {
    "^[a-zA-Z0-9][-a-zA-Z0-9]*$": "letters, digits and '-', starting with a letter or digit",
    "^[-a-zA-Z0-9_]+$": "letters, digits, '-' and '_'",
    "^[-a-zA-Z0-9_{}.]+$": "letters, digits and '-', '_', '.', '{', '}'",
    "^[a-zA-Z_][a-zA-Z0-9_]*$": "letters, digits and '_', not starting with a digit",
}
_NAME_RULES = frozenset({"pattern", "maxLength"})
"""What a ``{{...}}`` text is not held to: it stands for a value Argo fills in."""
_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """The JSON name of a value's type (``object``, ``array``, ``string``...)."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def schema_items(error: Any, prefix: Sequence[PathPart]) -> Iterator[Item]:
    """The findings one ``jsonschema.ValidationError`` stands for (``prefix`` + its path)."""
    path = (*prefix, *error.absolute_path)
    keyword = error.validator
    value = error.instance
    expected = error.validator_value
    if keyword == "additionalProperties" and isinstance(value, dict):
        known = list(error.schema.get("properties", {}))
        for key in value:
            if key not in known:
                message = f"unknown field {key!r}{did_you_mean(str(key), known)}"
                yield (*path, key), "unknown-field", message
    elif keyword == "required" and isinstance(value, dict):
        for name in expected:
            if name not in value:
                yield (*path, name), "missing-field", f"required field {name!r} is missing"
    elif keyword == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        yield path, "wrong-type", f"must be of type {wanted}, not {json_type(value)}"
    elif keyword in ("anyOf", "oneOf"):
        yield path, "wrong-type", _alternatives(error)
    elif keyword in _NAME_RULES and isinstance(value, str) and "{{" in value:
        return  # a name Argo fills in at run time: only its resolved value must match
    else:
        rule = "invalid-name" if path and path[-1] == "name" else "invalid-value"
        yield path, rule, _value_message(keyword, value, expected, error.message)


def _alternatives(error: Any) -> str:
    types = sorted({c.validator_value for c in error.context if c.validator == "type"} - {None})
    if types and all(isinstance(t, str) for t in types):
        return f"must be of type {' or '.join(types)}, not {json_type(error.instance)}"
    return f"{_show(error.instance)} matches none of the allowed forms"


def _value_message(keyword: str, value: Any, expected: Any, fallback: str) -> str:
    if keyword == "pattern":
        rule = _PATTERNS.get(expected)
        return f"{_show(value)} is invalid: " + (
            f"use {rule} (pattern {expected})" if rule else f"must match {expected}"
        )
    if keyword == "maxLength":
        return f"{_show(value)} is {len(value)} characters long; at most {expected} are allowed"
    if keyword == "minLength":
        return f"must be at least {expected} characters long"
    if keyword == "minItems":
        return "must not be empty" if expected == 1 else f"needs at least {expected} items"
    if keyword == "enum":
        return f"{_show(value)} is not one of: {', '.join(map(str, expected))}"
    if keyword == "const":
        return f"must be {expected!r}, not {_show(value)}"
    if keyword == "minimum":
        return f"{_show(value)} is below the minimum {expected}"
    if keyword == "maximum":
        return f"{_show(value)} is above the maximum {expected}"
    return fallback


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
