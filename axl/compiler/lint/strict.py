"""Schema rewrites: strip descriptions, forbid unknown fields, pull out the CRD item limits.

Every function returns a new schema and leaves its argument untouched. They
walk schema objects only (the values under ``properties``, ``items``,
``anyOf``...), so a field that happens to be called ``description`` or
``maxItems`` is never mistaken for a keyword.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PRESERVE_UNKNOWN = "x-kubernetes-preserve-unknown-fields"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
ANY_ITEM = "[*]"
"""In a :class:`Limit` path: every item of a list."""
ANY_KEY = ".*"
"""In a :class:`Limit` path: every value of a map."""

_MAP_KEYWORDS = frozenset({"properties", "patternProperties", "definitions", "$defs"})
_ONE_KEYWORDS = frozenset({"additionalProperties", "items", "not", "contains"})
_LIST_KEYWORDS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})

Schema = dict[str, Any]


@dataclass(frozen=True)
class Limit:
    """A ``maxItems`` the full CRD puts on the lists at ``path`` (with ``[*]``/``.*`` wildcards)."""

    path: tuple[str, ...]
    max_items: int


def _map_children(node: Schema, fn: Callable[[Any], Any]) -> Schema:
    """A shallow copy of ``node`` with ``fn`` applied to each direct subschema."""
    out = dict(node)
    for key, value in node.items():
        if key in _MAP_KEYWORDS and isinstance(value, dict):
            out[key] = {name: fn(sub) for name, sub in value.items()}
        elif key in _ONE_KEYWORDS and isinstance(value, dict):
            out[key] = fn(value)
        elif key in _LIST_KEYWORDS and isinstance(value, list):
            out[key] = [fn(sub) for sub in value]
    return out


def strip_descriptions(node: Any) -> Any:
    """The schema without ``description`` texts (a third of the CRD's size, never checked)."""
    if not isinstance(node, dict):
        return node
    out = _map_children(node, strip_descriptions)
    if isinstance(out.get("description"), str):
        del out["description"]
    return out


def forbid_unknown_fields(node: Any) -> Any:
    """Add ``additionalProperties: false`` to every object schema that lists ``properties``.

    Argo's strict lint rejects unknown fields, but neither schema says so. A
    subtree marked ``x-kubernetes-preserve-unknown-fields`` keeps accepting any
    field, as the API server does.
    """
    if not isinstance(node, dict) or node.get(PRESERVE_UNKNOWN) is True:
        return node
    out = _map_children(node, forbid_unknown_fields)
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def strict_json_schema(schema: Schema) -> Schema:
    """Argo's ``schema.json`` as ``argo lint --strict`` applies it.

    Unknown fields are errors, and IntOrString accepts integers (the file
    defines it as a string, which rejects ``retryStrategy.limit: 10``).
    """
    out: Schema = forbid_unknown_fields(schema)
    out["definitions"] = {**out["definitions"], INT_OR_STRING: {"type": ["integer", "string"]}}
    return out


def strict_crd_schema(schema: Schema) -> tuple[Schema, tuple[Limit, ...]]:
    """A CRD's ``openAPIV3Schema`` with unknown fields forbidden and its ``maxItems`` taken out.

    The item limits (200 templates, 200 tasks per DAG...) hold only where the
    full CRDs are installed, so they are reported as warnings, not checked here.
    """
    limits: list[Limit] = []

    def take_limits(node: Any, path: tuple[str, ...]) -> Any:
        if not isinstance(node, dict):
            return node
        out = dict(node)
        if isinstance(out.get("maxItems"), int):
            limits.append(Limit(path, out.pop("maxItems")))
        if isinstance(out.get("properties"), dict):
            out["properties"] = {
                k: take_limits(v, (*path, k)) for k, v in out["properties"].items()
            }
        if isinstance(out.get("items"), dict):
            out["items"] = take_limits(out["items"], (*path, ANY_ITEM))
        if isinstance(out.get("additionalProperties"), dict):
            out["additionalProperties"] = take_limits(out["additionalProperties"], (*path, ANY_KEY))
        for key in _LIST_KEYWORDS & out.keys():
            out[key] = [take_limits(sub, path) for sub in out[key]]
        return out

    strict = take_limits(forbid_unknown_fields(schema), ())
    return strict, tuple(limits)
