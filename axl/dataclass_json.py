"""Dataclasses as JSON data, and back, each field checked against its annotation.

The IR and the run record are plain dataclasses (importing pydantic costs
more than a command's whole work). :func:`plain` turns one into dicts, lists
and scalars; :func:`load` is its strict inverse: an unknown or missing
field, a value of the wrong type or a literal outside its choices is a
:class:`DataError` naming the field's path (``nodes[3].retries.count``).
Whole numbers are taken for float fields, as JSON writes ``5.0`` as ``5``
in some writers; a boolean is never taken for a number.

Annotations understood: dataclasses, ``X | None`` and other unions,
``Literal[...]``, ``tuple[X, ...]``, ``list[X]``, ``dict[str, X]``, ``Any``
and the JSON scalars (``str``, ``int``, ``float``, ``bool``).
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar, cast

from axl.errors import GraphError

Model = TypeVar("Model")

_Check = Callable[[Any, str], Any]

_AS_IS = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
"""Each model class's init fields, in order (the derived ones, like lookup tables, left out)."""


class DataError(ValueError):
    """JSON data that does not have the shape of the dataclass it is read into."""


def plain(value: Any) -> Any:
    """A dataclass, tuple, list or dict as JSON data; anything else as it is."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is dict:
        return {key: plain(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [plain(item) for item in value]
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, tuple | list):
                return [plain(item) for item in value]
            return value
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(value) if f.init)
    return {name: plain(getattr(value, name)) for name in names}


def load(cls: type[Model], data: Any) -> Model:
    """Build the dataclass ``cls`` from :func:`plain` data, checking every field."""
    model: Model = _model_check(cast(Any, cls))(data, cls.__name__)
    return model


@cache
def _model_check(cls: Any) -> _Check:
    hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    fields = [f for f in dataclasses.fields(cls) if f.init]
    checks = {f.name: _check_for(hints[f.name]) for f in fields}
    required = [
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]

    def check(value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            raise DataError(f"{where}: expected an object, got {_kind(value)}")
        unknown = sorted(set(value) - checks.keys())
        if unknown:
            raise DataError(f"{where}: unknown field {unknown[0]!r}")
        missing = [name for name in required if name not in value]
        if missing:
            raise DataError(f"{where}: missing field {missing[0]!r}")
        kwargs = {name: checks[name](item, f"{where}.{name}") for name, item in value.items()}
        try:
            return cls(**kwargs)
        except (ValueError, GraphError) as exc:  # the class's own checks (an edge to no step)
            raise DataError(f"{where}: {exc}") from None

    return check


def _check_for(hint: Any) -> _Check:
    """The check of one annotation: a model, a union, a literal, ``tuple[X, ...]``, a scalar."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _model_check(hint)  # type: ignore[arg-type]
    if origin in (typing.Union, types.UnionType):
        return _union(typing.get_args(hint))
    if origin is typing.Literal:
        choices = typing.get_args(hint)

        def literal(value: Any, where: str) -> Any:
            if value not in choices or isinstance(value, bool):
                raise DataError(f"{where}: expected one of {list(choices)}, got {value!r}")
            return value

        return literal
    if origin in (tuple, list):
        item = _check_for(typing.get_args(hint)[0])
        make = tuple if origin is tuple else list

        def sequence(value: Any, where: str) -> Any:
            if not isinstance(value, list | tuple):
                raise DataError(f"{where}: expected a list, got {_kind(value)}")
            return make(item(v, f"{where}[{i}]") for i, v in enumerate(value))

        return sequence
    if origin is dict:
        key_type, value_type = typing.get_args(hint)
        if key_type is not str:
            raise TypeError(f"only dict[str, ...] is read from JSON, not {hint}")
        item = _check_for(value_type)

        def mapping(value: Any, where: str) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise DataError(f"{where}: expected an object, got {_kind(value)}")
            return {key: item(v, f"{where}.{key}") for key, v in value.items()}

        return mapping
    if hint is Any:
        return lambda value, where: value
    return _scalar(hint)


def _union(options: tuple[Any, ...]) -> _Check:
    allows_none = type(None) in options
    checks = [_check_for(option) for option in options if option is not type(None)]

    def check(value: Any, where: str) -> Any:
        if value is None and allows_none:
            return None
        if len(checks) == 1:
            return checks[0](value, where)
        for one in checks:
            try:
                return one(value, where)
            except DataError:
                continue
        raise DataError(f"{where}: unexpected {_kind(value)}")

    return check


def _scalar(kind: type) -> _Check:
    def check(value: Any, where: str) -> Any:
        if isinstance(value, bool) and kind is not bool:
            raise DataError(f"{where}: expected {kind.__name__}, got a boolean")
        if kind is float and isinstance(value, int):
            return float(value)
        if not isinstance(value, kind):
            raise DataError(f"{where}: expected {kind.__name__}, got {_kind(value)}")
        return value

    return check


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
