"""Assemble a KFP v2 ``PipelineSpec`` from an IR, built from KFP's own protos: a pure function."""

from __future__ import annotations

from typing import Any

from axl._gc import collector_paused
from axl._version import __version__
from axl.compiler.kfp.components import (
    build_component,
    build_group_component,
    build_importer,
    executor_spec,
)
from axl.compiler.kfp.dag import build_group_task, build_importer_task, build_task
from axl.compiler.kfp.options import KfpOptions
from axl.compiler.kfp.parameters import parameter_spec
from axl.compiler.kfp.plan import make_plan
from axl.compiler.kfp.platform import platform_spec
from axl.compiler.kfp.proto_json import message_to_dict
from axl.compiler.kfp.protos import json_format, pipeline_spec_pb2
from axl.compiler.kfp.warm import build_warm_component, build_warm_task, warm_executor
from axl.ir import IRWorkflow

SCHEMA_VERSION = "2.1.0"
SDK_VERSION = f"axl-{__version__}"


def compile(ir: IRWorkflow, options: KfpOptions | None = None) -> dict[str, Any]:
    """The ``PipelineSpec`` of ``ir`` as JSON data (render it with :func:`to_yaml`).

    Field names are the proto's JSON names, as ``kfp.compiler.Compiler``
    writes them; the same IR and options give an equal document. Secrets
    and timeouts are in the platform spec (:func:`compile_documents`).
    """
    return compile_documents(ir, options)[0]


def compile_documents(
    ir: IRWorkflow, options: KfpOptions | None = None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ``PipelineSpec`` and the Kubernetes ``PlatformSpec`` (None when none is needed)."""
    options = options or KfpOptions()
    pb2, to_json = pipeline_spec_pb2(), json_format()
    with collector_paused():
        plan = make_plan(ir, options)
        spec = pb2.PipelineSpec(schema_version=SCHEMA_VERSION, sdk_version=SDK_VERSION)
        spec.pipeline_info.name = plan.name
        root_inputs = spec.root.input_definitions.parameters
        for name, decl in plan.lowering.params.items():
            to_json.ParseDict(parameter_spec(decl), root_inputs[name])
        executors: dict[str, Any] = {}
        if plan.code is not None:
            importer = pb2.PipelineDeploymentConfig.ExecutorSpec()
            build_importer(spec.components[plan.code.component], importer, plan)
            build_importer_task(spec.root.dag.tasks[plan.code.task], plan)
            executors[plan.code.executor] = message_to_dict(importer)
        if plan.warm_names is not None:
            warm = pb2.PipelineDeploymentConfig.ExecutorSpec()
            build_warm_component(spec.components[plan.warm_names.component], plan)
            build_warm_task(spec.root.dag.tasks[plan.warm_names.task], plan)
            warm_executor(warm, plan)
            executors[plan.warm_names.executor] = message_to_dict(warm)
        groups = plan.scopes.groups
        for group in groups.values():
            component = spec.components[group.component]
            build_group_component(component, plan, group)
            parent = groups[group.parent] if group.parent else None
            dag = spec.components[parent.component].dag if parent else spec.root.dag
            build_group_task(dag.tasks[group.task], plan, group)
        for step in plan.lowering.steps.values():
            names = plan.names[step.name]
            build_component(spec.components[names.component], plan, step)
            scope = plan.scopes.paths[step.name]
            dag = spec.components[groups[scope].component].dag if scope else spec.root.dag
            build_task(dag.tasks[names.task], plan, step)
            executor = pb2.PipelineDeploymentConfig.ExecutorSpec()
            executor_spec(executor, plan, step)
            executors[names.executor] = message_to_dict(executor)
        document: dict[str, Any] = message_to_dict(spec)
        # deploymentSpec is a Struct: put through it, every executor's JSON would be
        # converted twice more, to come out the same.
        document["deploymentSpec"] = {"executors": executors}
        platform = platform_spec(plan)
    return document, platform
