"""Workflow params as KFP pipeline parameters: a type, a default, optional or required.

A param declared as ``int``, ``float``, ``bool``, ``str``, a list or a dict
gets that KFP type; an undeclared type is taken from the default (a bool, a
number, text, a list, a dict), and text otherwise. The runner's KFP mode
reads the values, typed, from the executor input.
"""

from __future__ import annotations

from typing import Any

from axl.ir import IRParam
from axl.planning import param_text

BY_TYPE = {
    "int": "NUMBER_INTEGER",
    "float": "NUMBER_DOUBLE",
    "bool": "BOOLEAN",
    "str": "STRING",
    "list": "LIST",
    "tuple": "LIST",
    "dict": "STRUCT",
}


def parameter_type(param: IRParam | None) -> str:
    """The ``ParameterTypeEnum`` name of a param."""
    if param is None:
        return "STRING"
    declared = (param.type or "").replace("typing.", "").split("[", 1)[0].lower()
    if declared in BY_TYPE:
        return BY_TYPE[declared]
    return type_of_value(param.default)


def type_of_value(value: Any) -> str:
    """The ``ParameterTypeEnum`` name of a JSON value (text for anything else)."""
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "NUMBER_INTEGER"
    if isinstance(value, float):
        return "NUMBER_DOUBLE"
    if isinstance(value, list | tuple):
        return "LIST"
    if isinstance(value, dict):
        return "STRUCT"
    return "STRING"


def parameter_spec(param: IRParam | None) -> dict[str, Any]:
    """A ``ComponentInputsSpec.ParameterSpec`` as JSON data (``parameterType``, default...)."""
    spec: dict[str, Any] = {"parameterType": parameter_type(param)}
    if param is None:
        return spec
    if not param.required:
        spec["isOptional"] = True
        if param.default is not None:
            spec["defaultValue"] = _typed(param.default, spec["parameterType"])
    if param.help:
        spec["description"] = param.help
    if param.choices:
        spec["literals"] = [_typed(choice, spec["parameterType"]) for choice in param.choices]
    return spec


def _typed(value: Any, kind: str) -> Any:
    """``value`` as the JSON a parameter of ``kind`` holds (text stays text)."""
    if kind == "STRING" and not isinstance(value, str):
        return param_text(value)
    if kind == "LIST" and isinstance(value, tuple):
        return list(value)
    return value
