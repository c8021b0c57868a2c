"""The workflow's params as the fields of a Dagster ``Config`` class: what the launchpad shows.

A param declared ``int``, ``float``, ``bool``, ``str``, a list or a dict is a
field of that type; ``X | None`` (or a ``None`` default) makes it optional;
an undeclared type is taken from the default, and ``Any`` otherwise (also
for the params a workflow reads without declaring them). Text choices are a
``Literal`` (an enum in the launchpad); other choices are listed in the
description, and the runner refuses a value outside them (exit code 2).
A field whose name Dagster's ``Config`` (a pydantic model) already uses,
such as ``json`` or ``schema``, is written ``json_`` with the param's name
as its alias, so the launchpad still shows ``json``.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import Any

from axl.dataclass_fast import dataclass
from axl.ir import IRParam

_TYPES = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "list": "list",
    "tuple": "list",
    "dict": "dict",
}
_KFP_TYPES = {
    "BOOLEAN": "bool",
    "NUMBER_INTEGER": "int",
    "NUMBER_DOUBLE": "float",
    "LIST": "list",
    "STRUCT": "dict",
    "STRING": "str",
}
_NONE = frozenset({"None", "NoneType"})
_OPTIONAL = re.compile(r"^Optional\[(.*)\]$")
_CONFIG_ATTRIBUTES = frozenset({"to_config_schema", "to_fields_dict"})
"""What Dagster's ``Config`` adds to pydantic's ``BaseModel``."""


@dataclass(frozen=True)
class ParamField:
    """One field of the params class."""

    name: str
    """The attribute: the param's name, unless the class already uses it."""
    param: str
    annotation: str
    required: bool
    default: Any
    description: str | None

    @property
    def alias(self) -> str | None:
        return self.param if self.param != self.name else None


def param_fields(params: Mapping[str, IRParam | None]) -> list[ParamField]:
    """The fields of the params class, in the workflow's order."""
    taken: set[str] = set(params)
    fields = []
    for name, param in params.items():
        attribute = name
        if _shadows(name):
            attribute = f"{name}_"
            while attribute in taken:
                attribute += "_"
            taken.add(attribute)
        fields.append(_field(attribute, name, param))
    return fields


def _field(attribute: str, name: str, param: IRParam | None) -> ParamField:
    if param is None:
        return ParamField(attribute, name, "Any", False, None, None)
    kind, nullable = _declared(param.type)
    if kind is None:
        kind = _kind_of(param.default)
    nullable = nullable or (param.default is None and not param.required and kind != "Any")
    description = param.help
    if param.choices and kind == "str" and not nullable:
        kind = f"Literal[{', '.join(_choice(c) for c in param.choices)}]"
    elif param.choices:
        listed = ", ".join(repr(c) for c in param.choices)
        description = f"{description} (one of {listed})" if description else f"one of {listed}"
    annotation = f"{kind} | None" if nullable else kind
    default = None if param.required else param.default
    return ParamField(attribute, name, annotation, param.required, default, description)


def _choice(value: Any) -> str:
    from axl.compiler.dagster.source import string

    return string(str(value))


def _declared(type_text: str | None) -> tuple[str | None, bool]:
    """The field type of a declared type, and whether ``None`` is one of its values."""
    if not type_text:
        return None, False
    text = type_text.replace("typing.", "").replace(" ", "")
    optional = _OPTIONAL.match(text)
    if optional:
        text = f"{optional.group(1)}|None"
    parts = [part for part in _top_level(text) if part not in _NONE]
    nullable = len(parts) < len(_top_level(text))
    if len(parts) != 1:
        return ("Any" if parts else None), nullable
    head = parts[0].split("[", 1)[0]
    return _TYPES.get(head.lower()), nullable


def _top_level(text: str) -> list[str]:
    """``a|b[c|d]`` -> ``a``, ``b[c|d]``."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "["
        depth -= ch == "]"
        if ch == "|" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _kind_of(value: Any) -> str:
    """The field type of a default, as a KFP parameter is typed from it (``Any`` for None)."""
    from axl.compiler.kfp.parameters import type_of_value

    return "Any" if value is None else _KFP_TYPES[type_of_value(value)]


def _shadows(name: str) -> bool:
    """A name pydantic or Dagster's ``Config`` uses, or one pydantic takes as private."""
    from pydantic import BaseModel

    return (
        name.startswith("_")
        or keyword.iskeyword(name)
        or hasattr(BaseModel, name)
        or name in _CONFIG_ATTRIBUTES
    )
