"""The check ``axl compile`` runs on what it wrote: the rules its input can break, fast.

The compiler emits one shape of document, so what can go wrong there comes
from the workflow and the options: names (too long, clashing, not DNS-1123),
values of the wrong form (an image, a quantity, a duration), too many steps for
the full CRDs. :func:`check_compiled` checks those: every part of the document
against both schemas with the fast checks of :mod:`.fastcheck` only, axl's
strict names and their uniqueness, the entrypoint, template references and DAG
dependencies, and the CRD list limits (warnings). The rules that test how the
compiler wires a document (every ``{{...}}`` reference, inputs, volumes, CEL
rules) run in ``axl lint`` and in axl's own tests on every compiled example.

When any check fails, or a fast check is not sure, the full lint runs and its
findings are returned: an error reads exactly as ``axl lint`` reports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axl.compiler.argo.lint.dag import check_dags
from axl.compiler.argo.lint.document import lint_document, workflow_view
from axl.compiler.argo.lint.findings import Finding, Report
from axl.compiler.argo.lint.names import check_object_name, check_strict, check_unique, name_groups
from axl.compiler.argo.lint.schema_check import check_limits, passes_schema, workflow_spec_path
from axl.compiler.argo.lint.schemas import KINDS, resolve_schema_dir
from axl.compiler.argo.lint.structure import check_entrypoint, check_template_refs
from axl.compiler.argo.versions import NEWEST_ARGO


def check_compiled(doc: Mapping[str, Any], *, argo_version: str = NEWEST_ARGO) -> list[Finding]:
    """Check a document axl compiled (see the module docstring); findings as ``lint_document``.

    An empty list means clean; warnings (the CRD list limits) do not stop a
    compile. Names are held to axl's strict rule, as with ``strict_names``.
    """
    kind = doc.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        return _full(doc, argo_version)
    schema_dir = resolve_schema_dir(None, argo_version)
    if not passes_schema(doc, kind, schema_dir, templates_by_crd_only=True):
        return _full(doc, argo_version)
    document = workflow_view(doc, kind)
    report = Report(spec=workflow_spec_path(kind))
    check_object_name(document, report)
    check_entrypoint(document, report)
    check_template_refs(document, report)
    check_dags(document, report)
    groups = list(name_groups(document))
    check_unique(document, report, groups)
    check_strict(document, report, groups)
    if any(f.severity == "error" for f in report.items):
        return _full(doc, argo_version)
    check_limits(doc, kind, schema_dir, report)
    return report.findings()


def _full(doc: Mapping[str, Any], argo_version: str) -> list[Finding]:
    return lint_document(doc, strict_names=True, argo_version=argo_version)
