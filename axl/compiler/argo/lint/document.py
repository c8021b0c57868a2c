"""Lint one parsed document: its kind, the schema check, then the semantic rules.

A CronWorkflow's ``spec.workflowSpec`` is checked like a Workflow's ``spec``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from axl.compiler.argo.api import API_VERSION
from axl.compiler.argo.lint.bounds import check_bounds
from axl.compiler.argo.lint.dag import check_dags
from axl.compiler.argo.lint.findings import Finding, Report
from axl.compiler.argo.lint.inputs import (
    check_argument_values,
    check_required_inputs,
    check_template_io,
)
from axl.compiler.argo.lint.model import Document
from axl.compiler.argo.lint.names import (
    check_object_name,
    check_strict,
    check_unique,
    check_unnamed,
)
from axl.compiler.argo.lint.references import check_references
from axl.compiler.argo.lint.schema_check import check_schema, workflow_spec_path
from axl.compiler.argo.lint.schemas import (
    ENV_VAR,
    KINDS,
    check_argo_version,
    resolve_schema_dir,
)
from axl.compiler.argo.lint.structure import (
    check_crd_rules,
    check_entrypoint,
    check_template_refs,
    check_template_types,
    check_volume_mounts,
)
from axl.compiler.argo.lint.versions import note_removed_fields
from axl.compiler.argo.versions import NEWEST_ARGO

Rule = Callable[[Document, Report], None]

SEMANTIC_RULES: tuple[Rule, ...] = (
    check_object_name,
    check_entrypoint,
    check_unnamed,
    check_unique,
    check_template_types,
    check_template_refs,
    check_dags,
    check_references,
    check_required_inputs,
    check_argument_values,
    check_template_io,
    check_volume_mounts,
    check_crd_rules,
)
"""The checks Argo's validator (and the CRDs' CEL rules) apply, in reporting order."""


def lint_document(
    doc: Mapping[str, Any],
    *,
    schema_dir: Path | None = None,
    strict_names: bool = False,
    source: str = "the document",
    argo_version: str = NEWEST_ARGO,
) -> list[Finding]:
    """Lint one Argo Workflow, WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow.

    Runs the schema check (``schema.json`` and the kind's CRD schema, unknown
    fields forbidden) and the semantic rules, and returns the findings in
    document order, each once; an empty list means the document is clean.
    ``argo_version`` picks the shipped schemas (one of
    :data:`~axl.compiler.argo.lint.schemas.ARGO_VERSIONS`, default the
    newest); a field that release lacks but another shipped one accepts is
    reported with both versions named. ``schema_dir`` overrides where the
    schemas are read from (default: ``$AXL_ARGO_SCHEMA_DIR``, else the copies
    shipped with axl).
    ``strict_names`` also requires every name to be a DNS-1123 label that
    starts with a letter and has at most 63 characters (what axl emits).
    Raises :class:`~axl.compiler.argo.lint.schemas.SchemaDirError` if the schema
    directory is unusable, and :class:`~axl.compiler.argo.lint.LintInputError`
    (naming ``source``) if the document contains itself, nests too deep, or
    its shared parts expand too far (see :mod:`axl.compiler.argo.lint.bounds`).
    """
    check_argo_version(argo_version)
    check_bounds(doc, source)
    report = Report()
    kind = _supported_kind(doc, report)
    if kind is None:
        return report.findings()
    check_schema(doc, kind, resolve_schema_dir(schema_dir, argo_version), report)
    if schema_dir is None and not os.environ.get(ENV_VAR):
        note_removed_fields(doc, kind, argo_version, report)
    document = workflow_view(doc, kind)
    rules = Report(spec=workflow_spec_path(kind))
    for rule in SEMANTIC_RULES:
        rule(document, rules)
    if strict_names:
        check_strict(document, rules)
    report.items.extend(rules.items)
    return report.findings()


def workflow_view(doc: Mapping[str, Any], kind: str) -> Document:
    """The document as the semantic rules see it: a CronWorkflow's workflowSpec is its spec."""
    if kind != "CronWorkflow":
        return Document(doc, kind)
    spec = doc.get("spec")
    inner = spec.get("workflowSpec") if isinstance(spec, Mapping) else None
    return Document({**doc, "spec": inner if isinstance(inner, Mapping) else {}}, kind)


def _supported_kind(doc: Any, report: Report) -> str | None:
    if not isinstance(doc, Mapping):
        report.add(
            (), "kind", f"a document must be a mapping (an Argo resource), not {type(doc).__name__}"
        )
        return None
    kind, api_version = doc.get("kind"), doc.get("apiVersion")
    supported = ", ".join(KINDS)
    if not isinstance(kind, str) or kind not in KINDS:
        shown = f"kind {kind!r} is" if kind is not None else "the document has no kind and"
        report.add(("kind",), "kind", f"{shown} not supported: axl lints {supported}")
        return None
    if api_version != API_VERSION:
        report.add(
            ("apiVersion",),
            "kind",
            f"apiVersion must be {API_VERSION!r} for an Argo {kind}, not {api_version!r}",
        )
        return None
    return str(kind)
