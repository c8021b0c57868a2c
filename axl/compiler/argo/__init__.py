"""Compile an axl workflow to Argo Workflows (``Workflow`` or ``WorkflowTemplate``).

``compile(ir, options)`` is a pure function returning the document as plain
data; ``to_yaml(doc)`` renders it deterministically. :func:`render` does
both and adds the warnings (size, conditions Argo cannot test); the schema
and semantic lint is :func:`axl.compiler.argo.checks.lint`.

Names are imported on first use, so that ``axl lint`` (which needs only
:mod:`axl.compiler.argo.lint`) does not load the compiler and the IR.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from axl.compiler.argo.output import ArgoOutput, render
    from axl.compiler.yaml_render import to_yaml

_LAZY = {
    "SIZE_LIMIT": "axl.compiler.argo.checks",
    "document_warnings": "axl.compiler.argo.checks",
    "size_warning": "axl.compiler.argo.checks",
    "compile": "axl.compiler.argo.compiler",
    "params_by_name": "axl.compiler.argo.compiler",
    "ArgoCodeArchive": "axl.compiler.argo.options",
    "ArgoOptions": "axl.compiler.argo.options",
    "ArgoOptionsError": "axl.compiler.argo.options",
    "ArtifactRepositoryRef": "axl.compiler.argo.options",
    "SecretKey": "axl.compiler.argo.options",
    "default_image": "axl.compiler.argo.options",
    "ArgoOutput": "axl.compiler.argo.output",
    "render": "axl.compiler.argo.output",
    "to_yaml": "axl.compiler.yaml_render",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'axl.compiler.argo' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


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
