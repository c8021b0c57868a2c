"""Lint one parsed document: its kind, the schema check, then the semantic rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from axl.compiler.lint.bounds import check_bounds
from axl.compiler.lint.dag import check_dags
from axl.compiler.lint.findings import Finding, Report
from axl.compiler.lint.inputs import (
    check_argument_values,
    check_required_inputs,
    check_template_io,
)
from axl.compiler.lint.model import Document
from axl.compiler.lint.names import check_object_name, check_strict, check_unique, check_unnamed
from axl.compiler.lint.references import check_references
from axl.compiler.lint.schema_check import check_schema
from axl.compiler.lint.schemas import API_VERSION, KINDS, resolve_schema_dir
from axl.compiler.lint.structure import (
    check_crd_rules,
    check_entrypoint,
    check_template_refs,
    check_template_types,
    check_volume_mounts,
)

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
) -> list[Finding]:
    """Lint one Argo Workflow, WorkflowTemplate or ClusterWorkflowTemplate (a parsed mapping).

    Runs the schema check (``schema.json`` and the kind's CRD schema, unknown
    fields forbidden) and the semantic rules, and returns the findings in
    document order, each once; an empty list means the document is clean.
    ``schema_dir`` overrides where the schemas are read from (default:
    ``$AXL_ARGO_SCHEMA_DIR``, else the copies shipped with axl).
    ``strict_names`` also requires every name to be a DNS-1123 label that
    starts with a letter and has at most 63 characters (what axl emits).
    Raises :class:`~axl.compiler.lint.schemas.SchemaDirError` if the schema
    directory is unusable, and :class:`~axl.compiler.lint.LintInputError`
    (naming ``source``) if the document contains itself, nests too deep, or
    its shared parts expand too far (see :mod:`axl.compiler.lint.bounds`).
    """
    check_bounds(doc, source)
    report = Report()
    kind = _supported_kind(doc, report)
    if kind is None:
        return report.findings()
    check_schema(doc, kind, resolve_schema_dir(schema_dir), report)
    document = Document(doc, kind)
    for rule in SEMANTIC_RULES:
        rule(document, report)
    if strict_names:
        check_strict(document, report)
    return report.findings()


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
