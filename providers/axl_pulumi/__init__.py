"""Pulumi component resources for axl workflows.

``AxlWorkflow`` packages a workflow's code and deploys it to its targets in
one line; ``CodeArchive``, ``WorkflowImage``, ``ArgoWorkflowTemplate`` and
``KfpPipeline`` are its parts, usable on their own. Importing this package runs
nothing and needs no network: the components are loaded on first use
(``from axl_pulumi import AxlWorkflow``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from axl_pulumi._version import __version__

if TYPE_CHECKING:
    from axl_pulumi.argo_template import ArgoWorkflowTemplate, ArgoWorkflowTemplateArgs
    from axl_pulumi.code_archive import CodeArchive, CodeArchiveArgs
    from axl_pulumi.errors import ComponentError
    from axl_pulumi.kfp_pipeline import KfpPipeline, KfpPipelineArgs
    from axl_pulumi.source import WorkflowSource
    from axl_pulumi.targets import ArgoTarget, ImageTarget, KfpTarget
    from axl_pulumi.workflow import AxlWorkflow, AxlWorkflowArgs, ImageBuilder
    from axl_pulumi.workflow_image import WorkflowImage, WorkflowImageArgs

_EXPORTS = {
    "ArgoTarget": "axl_pulumi.targets",
    "ArgoWorkflowTemplate": "axl_pulumi.argo_template",
    "ArgoWorkflowTemplateArgs": "axl_pulumi.argo_template",
    "AxlWorkflow": "axl_pulumi.workflow",
    "AxlWorkflowArgs": "axl_pulumi.workflow",
    "CodeArchive": "axl_pulumi.code_archive",
    "CodeArchiveArgs": "axl_pulumi.code_archive",
    "ComponentError": "axl_pulumi.errors",
    "ImageBuilder": "axl_pulumi.workflow",
    "ImageTarget": "axl_pulumi.targets",
    "KfpPipeline": "axl_pulumi.kfp_pipeline",
    "KfpPipelineArgs": "axl_pulumi.kfp_pipeline",
    "KfpTarget": "axl_pulumi.targets",
    "WorkflowImage": "axl_pulumi.workflow_image",
    "WorkflowImageArgs": "axl_pulumi.workflow_image",
    "WorkflowSource": "axl_pulumi.source",
}

__all__ = [
    "ArgoTarget",
    "ArgoWorkflowTemplate",
    "ArgoWorkflowTemplateArgs",
    "AxlWorkflow",
    "AxlWorkflowArgs",
    "CodeArchive",
    "CodeArchiveArgs",
    "ComponentError",
    "ImageBuilder",
    "ImageTarget",
    "KfpPipeline",
    "KfpPipelineArgs",
    "KfpTarget",
    "WorkflowImage",
    "WorkflowImageArgs",
    "WorkflowSource",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'axl_pulumi' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
