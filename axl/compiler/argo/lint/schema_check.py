"""The schema check: each document against ``schema.json`` and against its kind's CRD.

Like ``argo lint --strict`` plus what the API server checks when the full CRDs
are installed: unknown fields are errors (see :mod:`.strict`), IntOrString
takes integers, names follow the CRD patterns. The document is checked in
parts (the document without its templates, then each template), each part
first by the fast check of :mod:`.fastcheck`; only a part that fails it goes
to ``jsonschema``, which finds and explains the errors. The compiled checks are
cached per schema directory, so linting many documents pays for them once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from axl.compiler.argo.lint.fastcheck import Check, compile_check
from axl.compiler.argo.lint.findings import PathPart, Report
from axl.compiler.argo.lint.schema_errors import schema_items
from axl.compiler.argo.lint.schemas import KINDS, read_crd_schema, read_json_schema
from axl.compiler.argo.lint.strict import (
    ANY_ITEM,
    ANY_KEY,
    Limit,
    Schema,
    strict_crd_schema,
    strict_json_schema,
)
from axl.dataclass_fast import dataclass

_TEMPLATE_DEFINITION = "io.argoproj.workflow.v1alpha1.Template"


@dataclass
class _Part:
    """One schema for one kind of part: a fast check, and ``jsonschema`` when it says no."""

    gate: Check
    schema: Schema
    registry_root: Schema | None = None
    _validator: Any = field(default=None, init=False)

    def errors(self, instance: Any) -> Iterator[Any]:
        """The ``jsonschema`` errors of ``instance`` (none when the fast check passes)."""
        if self.gate(instance):
            return iter(())
        if self._validator is None:
            self._validator = _validator(self.schema, self.registry_root)
        errors: Iterator[Any] = self._validator.iter_errors(instance)
        return errors


@dataclass(frozen=True)
class KindSchemas:
    """Everything the schema check needs for one kind, from one schema directory."""

    document: tuple[_Part, ...]
    template: tuple[_Part, ...]
    limits: tuple[Limit, ...]


def _validator(schema: Schema, registry_root: Schema | None) -> Any:
    from jsonschema import Draft202012Validator

    if registry_root is None:
        return Draft202012Validator(schema)
    from referencing import Registry, Resource

    resource = Resource.from_contents(registry_root)
    registry: Any = Registry().with_resource(registry_root["$id"], resource)
    return Draft202012Validator(schema, registry=registry)


@functools.lru_cache(maxsize=4)
def _strict_json(schema_dir: Path) -> Schema:
    return strict_json_schema(read_json_schema(schema_dir))


_CRDS: dict[tuple[Path, str], tuple[Schema, tuple[Limit, ...]]] = {}


def _strict_crd(schema_dir: Path, kind: str) -> tuple[Schema, tuple[Limit, ...]]:
    """A kind's CRD schema, strict, once per schema file (the template kinds share one)."""
    key = (schema_dir, KINDS[kind].compact)
    if key not in _CRDS:
        _CRDS[key] = strict_crd_schema(read_crd_schema(schema_dir, kind))
    return _CRDS[key]


@functools.lru_cache(maxsize=16)
def kind_schemas(schema_dir: Path, kind: str) -> KindSchemas:
    """The compiled schemas of ``kind`` (cached per directory and kind)."""
    json_schema = _strict_json(schema_dir)
    crd, limits = _strict_crd(schema_dir, kind)

    def from_json(definition: str) -> _Part:
        gate = compile_check({"$ref": f"#/definitions/{definition}"}, json_schema)
        return _Part(gate, {"$ref": f"{json_schema['$id']}#/definitions/{definition}"}, json_schema)

    crd_template: Any = crd
    for key in (*workflow_spec_path(kind), "templates"):
        crd_template = crd_template["properties"][key]
    crd_template = crd_template["items"]
    return KindSchemas(
        document=(from_json(KINDS[kind].definition), _Part(compile_check(crd), crd)),
        template=(
            from_json(_TEMPLATE_DEFINITION),
            _Part(compile_check(crd_template), crd_template),
        ),
        limits=limits,
    )


def workflow_spec_path(kind: str) -> tuple[str, ...]:
    """Where a kind keeps its workflow spec: ``spec``, or ``spec.workflowSpec`` (CronWorkflow)."""
    return ("spec", "workflowSpec") if kind == "CronWorkflow" else ("spec",)


def _parts(
    doc: Mapping[str, Any], kind: str = "Workflow"
) -> Iterator[tuple[tuple[PathPart, ...], Any, bool]]:
    """(path, value, is_template): the document without its templates, then each template."""
    outer, key = workflow_spec_path(kind)[:-1], workflow_spec_path(kind)[-1]
    holder: Any = doc
    for part in outer:
        holder = holder.get(part) if isinstance(holder, dict) else None
    spec = holder.get(key) if isinstance(holder, dict) else None
    templates = spec.get("templates") if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or not isinstance(templates, list):
        yield (), doc, False
        return
    yield (), _replaced(doc, (*outer, key), {**spec, "templates": []}), False
    defaults = spec.get("templateDefaults")
    base = (*outer, key, "templates")
    for index, template in enumerate(templates):
        yield (*base, index), _with_defaults(template, defaults), True


def _replaced(doc: Mapping[str, Any], path: tuple[str, ...], value: Any) -> Any:
    """A shallow copy of ``doc`` with the value at ``path`` replaced."""
    if not path:
        return value
    head = path[0]
    return {**doc, head: _replaced(doc[head], path[1:], value)}


def _with_defaults(template: Any, defaults: Any) -> Any:
    """The template with its container or script completed from ``spec.templateDefaults``.

    Argo merges the defaults in before it validates, so a template may leave
    out, say, the ``image`` that the defaults give.
    """
    if not isinstance(template, dict) or not isinstance(defaults, dict):
        return template
    merged = dict(template)
    for key in ("container", "script"):
        own, default = template.get(key), defaults.get(key)
        if isinstance(own, dict) and isinstance(default, dict):
            merged[key] = {**default, **own}
    return merged


def check_schema(doc: Mapping[str, Any], kind: str, schema_dir: Path, report: Report) -> None:
    """Add a finding for each schema error in ``doc`` and a warning for each CRD list limit."""
    schemas = kind_schemas(schema_dir, kind)
    for prefix, value, is_template in _parts(doc, kind):
        for part in schemas.template if is_template else schemas.document:
            for error in part.errors(value):
                for path, rule, message in schema_items(error, prefix):
                    report.add(path, rule, message)
    check_limits(doc, kind, schema_dir, report)


def passes_schema(
    doc: Mapping[str, Any], kind: str, schema_dir: Path, *, templates_by_crd_only: bool = False
) -> bool:
    """Whether the fast checks accept every part of ``doc`` (False: not sure, see why with
    :func:`check_schema`).

    ``templates_by_crd_only`` checks each template against the CRD's schema
    alone (what the API server applies; ``schema.json`` describes the same
    fields, with looser names), which halves the cost for a large document.
    """
    schemas = kind_schemas(schema_dir, kind)
    template = schemas.template[1:] if templates_by_crd_only else schemas.template
    for _, value, is_template in _parts(doc, kind):
        for part in template if is_template else schemas.document:
            if not part.gate(value):
                return False
    return True


def check_limits(doc: Mapping[str, Any], kind: str, schema_dir: Path, report: Report) -> None:
    """A warning for each list longer than the full CRD allows."""
    for limit in kind_schemas(schema_dir, kind).limits:
        for path, items in _lists_at(doc, limit.path, ()):
            if len(items) > limit.max_items:
                report.add(
                    path,
                    "crd-limit",
                    f"{len(items)} items: a cluster with Argo's full CRDs installed rejects "
                    f"more than {limit.max_items} (the minimal CRDs accept any number)",
                    "warning",
                )


def _lists_at(
    value: Any, pattern: tuple[str, ...], path: tuple[PathPart, ...]
) -> Iterator[tuple[tuple[PathPart, ...], list[Any]]]:
    if not pattern:
        if isinstance(value, list):
            yield path, value
        return
    head, rest = pattern[0], pattern[1:]
    if head == ANY_ITEM and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _lists_at(item, rest, (*path, index))
    elif head == ANY_KEY and isinstance(value, dict):
        for key, item in value.items():
            yield from _lists_at(item, rest, (*path, key))
    elif isinstance(value, dict) and head in value:
        yield from _lists_at(value[head], rest, (*path, head))
