"""Protobuf messages as the JSON data ``json_format.MessageToDict`` gives, faster.

``MessageToDict`` looks each field's kind up again for every value it
converts. This walks the same set fields in the same order and decides each
field's conversion once per field descriptor; a message holding what it does
not handle itself (well-known types such as ``Value`` and ``Duration``,
floats, bytes, extensions, bool map keys) is handed whole to
``MessageToDict``, so the output is the same (tested on every golden file).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axl.compiler.kfp.protos import json_format

Convert = Callable[[Any], Any]

_CONVERTERS: dict[Any, tuple[str, Convert | None]] = {}


def message_to_dict(message: Any) -> dict[str, Any]:
    """``json_format.MessageToDict(message)``, faster for messages of plain fields."""
    if message.DESCRIPTOR.full_name.startswith("google.protobuf."):
        return _protobufs(message)
    out: dict[str, Any] = {}
    for field, value in message.ListFields():
        entry = _CONVERTERS.get(field)
        if entry is None:
            entry = _CONVERTERS[field] = (field.json_name, _converter(field))
        name, convert = entry
        if convert is None:
            return _protobufs(message)
        out[name] = convert(value)
    return out


def _protobufs(message: Any) -> dict[str, Any]:
    result: dict[str, Any] = json_format().MessageToDict(message)
    return result


def _converter(field: Any) -> Convert | None:
    """How one field's value becomes JSON, decided once for the field (None: protobuf's)."""
    kinds = type(field)
    if field.is_extension:
        return None
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        key = field.message_type.fields_by_name["key"]
        value = _single(field.message_type.fields_by_name["value"])
        if value is None or key.cpp_type == kinds.CPPTYPE_BOOL:
            return None
        return _map_of(value)
    item = _single(field)
    if item is None or not field.is_repeated:
        return item
    return _list_of(item)


def _map_of(item: Convert) -> Convert:
    return lambda mapping: {str(key): item(mapping[key]) for key in mapping}


def _list_of(item: Convert) -> Convert:
    return lambda values: [item(value) for value in values]


def _single(field: Any) -> Convert | None:
    """The conversion of one value of ``field``; None for floats, bytes and null values."""
    kinds = type(field)
    cpp = field.cpp_type
    if cpp == kinds.CPPTYPE_MESSAGE:
        return message_to_dict
    if cpp == kinds.CPPTYPE_STRING and field.type != kinds.TYPE_BYTES:
        return str
    if cpp == kinds.CPPTYPE_BOOL:
        return bool
    if cpp in (kinds.CPPTYPE_INT64, kinds.CPPTYPE_UINT64):
        return str
    if cpp in (kinds.CPPTYPE_INT32, kinds.CPPTYPE_UINT32):
        return int
    if cpp == kinds.CPPTYPE_ENUM and field.enum_type.full_name != "google.protobuf.NullValue":
        names = {number: value.name for number, value in field.enum_type.values_by_number.items()}
        return lambda number: names.get(number, number)
    return None
