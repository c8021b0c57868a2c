"""Compile an axl workflow to Argo Workflows (``Workflow`` or ``WorkflowTemplate``).

``compile(ir, options)`` is a pure function returning the document as plain
data; ``to_yaml(doc)`` renders it deterministically. :func:`render` does
both and adds the warnings (size, conditions Argo cannot test); the schema
and semantic lint is :func:`axl.compiler.argo.checks.lint`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axl.compiler.argo.checks import SIZE_LIMIT, document_warnings, size_warning
from axl.compiler.argo.compiler import compile, params_by_name
from axl.compiler.argo.options import (
    ArgoCodeArchive,
    ArgoOptions,
    ArgoOptionsError,
    ArtifactRepositoryRef,
    SecretKey,
    default_image,
)
from axl.compiler.yaml_render import to_yaml
from axl.ir import IRWorkflow


@dataclass(frozen=True)
class ArgoOutput:
    """A compiled document, its YAML text and the warnings about it."""

    document: dict[str, Any]
    yaml: str
    warnings: tuple[str, ...]


def render(ir: IRWorkflow, options: ArgoOptions | None = None) -> ArgoOutput:
    """Compile ``ir``, render the YAML, and collect the warnings."""
    document = compile(ir, options)
    text = to_yaml(document)
    found = document_warnings(ir, len(text.encode("utf-8")))
    return ArgoOutput(document=document, yaml=text, warnings=tuple(found))


__all__ = [
    "SIZE_LIMIT",
    "ArgoCodeArchive",
    "ArgoOptions",
    "ArgoOptionsError",
    "ArgoOutput",
    "ArtifactRepositoryRef",
    "SecretKey",
    "compile",
    "default_image",
    "document_warnings",
    "params_by_name",
    "render",
    "size_warning",
    "to_yaml",
]
