"""The Argo API axl writes: its ``apiVersion`` and the kinds of its documents."""

from __future__ import annotations

API_VERSION = "argoproj.io/v1alpha1"
"""The ``apiVersion`` of every Argo kind (Workflow, WorkflowTemplate, CronWorkflow...)."""
KIND_NAMES = {"workflow": "Workflow", "workflow-template": "WorkflowTemplate"}
"""``ArgoOptions.kind`` -> the document's ``kind``."""
