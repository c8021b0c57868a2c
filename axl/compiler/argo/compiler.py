"""Assemble an Argo ``Workflow`` or ``WorkflowTemplate`` from an IR: a pure function."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axl._gc import collector_paused
from axl._version import __version__
from axl.compiler.argo import layout
from axl.compiler.argo.api import API_VERSION, KIND_NAMES
from axl.compiler.argo.dag import dag_template
from axl.compiler.argo.options import ArgoOptions, ArgoOptionsError
from axl.compiler.argo.plan import DAG_TEMPLATE, Plan, make_plan
from axl.compiler.argo.templates import container_template
from axl.compiler.argo.warm import warm_template
from axl.ir import IRParam, IRWorkflow
from axl.naming import label_value, unique_names
from axl.planning import param_text, workflow_params

LABEL_VERSION = "axl.dev/version"
LABEL_WORKFLOW = "axl.dev/workflow"
LABEL_HASH = "axl.dev/hash"
ANNOTATION_HASH = "axl.dev/ir-hash"
ANNOTATION_REF = "axl.dev/ref"
_DECLARED = object()


def compile(ir: IRWorkflow, options: ArgoOptions | None = None) -> dict[str, Any]:
    """The Argo document of ``ir`` as plain data (render it with :func:`to_yaml`).

    The same IR and options give an equal document, and so byte-identical YAML.
    """
    options = options or ArgoOptions()
    with collector_paused():
        plan = make_plan(ir, options)
        templates = [dag_template(plan)]
        templates += [container_template(plan, step) for step in plan.lowering.steps.values()]
        if plan.warm is not None:
            templates.append(warm_template(plan))
        spec: dict[str, Any] = {"entrypoint": DAG_TEMPLATE, "templates": templates}
        spec.update(_run_settings(plan))
        labels, metadata = _metadata(ir, options)
    if options.kind == "workflow-template":
        spec["workflowMetadata"] = {"labels": dict(labels)}
    return {
        "apiVersion": API_VERSION,
        "kind": KIND_NAMES[options.kind],
        "metadata": metadata,
        "spec": spec,
    }


def _run_settings(plan: Plan) -> dict[str, Any]:
    """Arguments, service account, pod and workflow clean-up, artifact storage."""
    ir, options = plan.ir, plan.options
    spec: dict[str, Any] = {}
    given = options.params
    unknown = sorted(set(given) - {param.name for param in plan.params})
    if unknown:
        raise ArgoOptionsError(
            f"workflow {ir.name!r} has no param(s) {', '.join(unknown)}",
            hint=f"its params: {', '.join(p.name for p in plan.params) or 'none'}",
        )
    arguments = [
        _argument(param.argo_name, param.decl, given.get(param.name, _DECLARED))
        for param in plan.params
    ]
    if arguments:
        spec["arguments"] = {"parameters": arguments}
    service_account = options.service_account or ir.service_account
    if service_account:
        spec["serviceAccountName"] = service_account
    if options.pod_gc is not None:
        spec["podGC"] = {"strategy": options.pod_gc}
    if options.ttl_seconds is not None:
        spec["ttlStrategy"] = {"secondsAfterCompletion": options.ttl_seconds}
    ref = options.artifact_repository_ref
    if ref is not None:
        pairs = (("configMap", ref.config_map), ("key", ref.key))
        spec["artifactRepositoryRef"] = {key: value for key, value in pairs if value is not None}
    if options.artifacts == "pvc":
        spec["volumeClaimTemplates"] = [_volume_claim(options)]
    return spec


def _metadata(ir: IRWorkflow, options: ArgoOptions) -> tuple[dict[str, str], dict[str, Any]]:
    """The labels (version, workflow, short IR hash) and the object's metadata."""
    digest = ir.compute_hash()
    labels = {
        LABEL_VERSION: label_value(__version__),
        LABEL_WORKFLOW: label_value(ir.name),
        LABEL_HASH: ir.short_hash(),
    }
    metadata: dict[str, Any] = {
        "labels": labels,
        "annotations": {ANNOTATION_HASH: digest, ANNOTATION_REF: options.workflow_ref or ir.ref},
    }
    name = options.name or ir.name
    if options.kind == "workflow":
        metadata["generateName"] = f"{name}-"
    else:
        metadata["name"] = name
    namespace = options.namespace or ir.namespace
    if namespace:
        metadata["namespace"] = namespace
    return labels, metadata


def _argument(name: str, decl: IRParam | None, value: Any) -> dict[str, Any]:
    """A ``spec.arguments.parameters`` entry; required params have no value.

    ``value`` is the default given in the options, or ``_DECLARED`` for the declared one.
    """
    entry: dict[str, Any] = {"name": name}
    if value is not _DECLARED:
        entry["value"] = param_text(value)
    if decl is None:
        return entry
    if value is _DECLARED and not decl.required:
        entry["value"] = param_text(decl.default)
    if decl.help:
        entry["description"] = decl.help
    if decl.choices:
        entry["enum"] = [param_text(choice) for choice in decl.choices]
    return entry


def _volume_claim(options: ArgoOptions) -> dict[str, Any]:
    claim: dict[str, Any] = {
        "accessModes": [options.pvc_access_mode],
        "resources": {"requests": {"storage": options.pvc_size}},
    }
    if options.pvc_storage_class is not None:
        claim["storageClassName"] = options.pvc_storage_class
    return {"metadata": {"name": layout.DATA_VOLUME}, "spec": claim}


def params_by_name(ir: IRWorkflow) -> Mapping[str, str]:
    """Param name -> its Argo parameter name (what ``argo submit -p`` takes)."""
    return unique_names(list(workflow_params(ir)))
