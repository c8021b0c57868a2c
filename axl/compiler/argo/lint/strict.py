"""Schema rewrites: strip descriptions, forbid unknown fields, pull out the CRD item limits.

Every function returns a new schema and leaves its argument untouched. They
walk schema objects only (the values under ``properties``, ``items``,
``anyOf``...), so a field that happens to be called ``description`` or
``maxItems`` is never mistaken for a keyword.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axl.dataclass_fast import dataclass

PRESERVE_UNKNOWN = "x-kubernetes-preserve-unknown-fields"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
ANY_ITEM = "[*]"
"""In a :class:`Limit` path: every item of a list."""
ANY_KEY = ".*"
"""In a :class:`Limit` path: every value of a map."""

MEMO_CACHE = "io.argoproj.workflow.v1alpha1.Cache"
MEMO_CACHE_PATH = ("memoize", "cache", "configMap")
"""Argo 3.x's schemas require a ``key`` here, but Argo ignores it (the cache is the whole
ConfigMap) and its own ``memoize-simple`` example leaves it out; 4.x removed the field."""

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

    Unknown fields are errors, IntOrString accepts integers (the file
    defines it as a string, which rejects ``retryStrategy.limit: 10``), and
    ``memoize.cache.configMap.key`` is optional (see :data:`MEMO_CACHE_PATH`).
    """
    out: Schema = forbid_unknown_fields(schema)
    definitions = {**out["definitions"], INT_OR_STRING: {"type": ["integer", "string"]}}
    cache = definitions.get(MEMO_CACHE)
    config_map = cache.get("properties", {}).get("configMap") if isinstance(cache, dict) else None
    target = config_map.get("$ref", "") if isinstance(config_map, dict) else ""
    selector = definitions.get(target.rpartition("/")[2]) if target.startswith("#/") else None
    if isinstance(cache, dict) and isinstance(selector, dict) and "required" in selector:
        optional = {**selector, "required": [r for r in selector["required"] if r != "key"]}
        properties = {**cache["properties"], "configMap": optional}
        definitions[MEMO_CACHE] = {**cache, "properties": properties}
    out["definitions"] = definitions
    return out


def strict_crd_schema(schema: Schema) -> tuple[Schema, tuple[Limit, ...]]:
    """A CRD's ``openAPIV3Schema`` with unknown fields forbidden and its ``maxItems`` taken out.

    The item limits (200 templates, 200 tasks per DAG...) hold only where the
    full CRDs are installed, so they are reported as warnings, not checked here.
    One walk does what :func:`forbid_unknown_fields` does and takes the limits
    out (the CRDs are large, and this runs on every compile).
    """
    limits: list[Limit] = []

    def walk(node: Any, path: tuple[str, ...], closed: bool, tracked: bool) -> Any:
        if not isinstance(node, dict):
            return node
        closed = closed and node.get(PRESERVE_UNKNOWN) is not True
        out = dict(node)
        if tracked and path[-3:] == MEMO_CACHE_PATH and isinstance(out.get("required"), list):
            out["required"] = [r for r in out["required"] if r != "key"]
        if tracked and isinstance(out.get("maxItems"), int):
            limits.append(Limit(path, out.pop("maxItems")))
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                out[key] = {k: walk(v, (*path, k), closed, tracked) for k, v in value.items()}
            elif key == "items" and isinstance(value, dict):
                out[key] = walk(value, (*path, ANY_ITEM), closed, tracked)
            elif key == "additionalProperties" and isinstance(value, dict):
                out[key] = walk(value, (*path, ANY_KEY), closed, tracked)
            elif key in _LIST_KEYWORDS and isinstance(value, list):
                out[key] = [walk(sub, path, closed, tracked) for sub in value]
            elif key in _MAP_KEYWORDS and isinstance(value, dict):
                out[key] = {k: walk(v, path, closed, False) for k, v in value.items()}
            elif key in _ONE_KEYWORDS and isinstance(value, dict):
                out[key] = walk(value, path, closed, False)
        if closed and "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out

    strict = walk(schema, (), True, True)
    return strict, tuple(limits)
