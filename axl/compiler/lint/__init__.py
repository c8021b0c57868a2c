"""Lint Argo Workflows documents: Argo's schemas, strictly, and the rules of Argo's validator.

``lint_document(doc)`` checks one parsed Workflow, WorkflowTemplate or
ClusterWorkflowTemplate; ``lint_text`` and ``lint_file`` check every document
of a YAML stream. Each returns a list of :class:`Finding` (empty when clean).
It works on plain mappings and depends on no other part of axl but its errors.
"""

from axl.compiler.lint.document import lint_document
from axl.compiler.lint.findings import Finding, format_finding
from axl.compiler.lint.loader import LintInputError
from axl.compiler.lint.schemas import ENV_VAR, SchemaDirError
from axl.compiler.lint.text import lint_file, lint_text

__all__ = [
    "ENV_VAR",
    "Finding",
    "LintInputError",
    "SchemaDirError",
    "format_finding",
    "lint_document",
    "lint_file",
    "lint_text",
]
