"""Lint Argo Workflows documents: Argo's schemas, strictly, and the rules of Argo's validator.

``lint_document(doc)`` checks one parsed Workflow, WorkflowTemplate,
ClusterWorkflowTemplate or CronWorkflow against the schemas of one Argo
release (``argo_version``: one of :data:`ARGO_VERSIONS`); ``lint_text`` and
``lint_file`` check every document of a YAML stream; ``check_compiled`` is the
fast check ``axl compile`` runs on its own output. Each returns a list of
:class:`Finding` (empty when clean). It works on plain mappings and depends on
no other part of axl but its errors and the Argo releases it knows
(:mod:`axl.compiler.argo.versions`).
"""

from axl.compiler.argo.lint.compiled import check_compiled
from axl.compiler.argo.lint.document import lint_document
from axl.compiler.argo.lint.findings import Finding, format_finding
from axl.compiler.argo.lint.loader import LintInputError
from axl.compiler.argo.lint.schemas import ENV_VAR, SchemaDirError
from axl.compiler.argo.lint.text import lint_file, lint_text
from axl.compiler.argo.versions import ARGO_VERSIONS, NEWEST_ARGO

__all__ = [
    "ARGO_VERSIONS",
    "ENV_VAR",
    "NEWEST_ARGO",
    "Finding",
    "LintInputError",
    "SchemaDirError",
    "check_compiled",
    "format_finding",
    "lint_document",
    "lint_file",
    "lint_text",
]
