"""One component and one container executor per step: its inputs, its output, the runner."""

from __future__ import annotations

from typing import Any

from axl import kfp_paths
from axl.compiler.kfp import layout
from axl.compiler.kfp.conditions import (
    IMPORTED_ARTIFACT,
    Group,
    artifact_channel,
    imported_channel,
    value_channel,
)
from axl.compiler.kfp.parameters import parameter_type
from axl.compiler.kfp.plan import Plan, artifact_type
from axl.compiler.kfp.protos import parameter_enum
from axl.planning import StepPlan, kubernetes_resources, step_image

SCHEMA_VERSION = "0.0.1"
"""The version of the ``system.*`` artifact schemas."""


def build_component(component: Any, plan: Plan, step: StepPlan) -> None:
    """Fill ``component`` (a ``ComponentSpec``): the step's artifacts and parameters."""
    node = step.node
    component.executor_label = plan.names[node.name].executor
    inputs = component.input_definitions
    nodes = plan.nodes
    for item in node.inputs:
        if item.source == "step":
            assert item.ref is not None
            artifact = inputs.artifacts[item.name].artifact_type
            artifact.schema_title = artifact_type(nodes[item.ref].output.handler)
            artifact.schema_version = SCHEMA_VERSION
    for name, decl in plan.lowering.params.items():
        inputs.parameters[name].parameter_type = parameter_enum(parameter_type(decl))
    inputs.parameters[kfp_paths.RUN_ID_INPUT].parameter_type = parameter_enum("STRING")
    if plan.code is not None:
        _generic(inputs.artifacts[kfp_paths.CODE_INPUT].artifact_type)
    output = component.output_definitions.artifacts[kfp_paths.OUTPUT_ARTIFACT].artifact_type
    output.schema_title = artifact_type(node.output.handler)
    output.schema_version = SCHEMA_VERSION
    if step.reads_value:
        value = component.output_definitions.parameters[kfp_paths.VALUE_PARAMETER]
        value.parameter_type = parameter_enum(plan.value_types[node.name])


def build_group_component(component: Any, plan: Plan, group: Group) -> None:
    """Fill ``component`` for a condition sub-DAG: the inputs handed to it (its DAG is apart)."""
    nodes = plan.nodes
    inputs = component.input_definitions
    for producer in group.artifacts:
        artifact = inputs.artifacts[artifact_channel(plan.names[producer].task)].artifact_type
        artifact.schema_title = artifact_type(nodes[producer].output.handler)
        artifact.schema_version = SCHEMA_VERSION
    if plan.code is not None:
        _generic(inputs.artifacts[imported_channel(plan.code.task)].artifact_type)
    for name, decl in plan.lowering.params.items():
        inputs.parameters[name].parameter_type = parameter_enum(parameter_type(decl))
    for producer in group.values:
        kind = parameter_enum(plan.value_types[producer])
        inputs.parameters[value_channel(plan.names[producer].task)].parameter_type = kind


def build_importer(component: Any, executor: Any, plan: Plan) -> None:
    """The importer of the code archive: a ``system.Artifact`` at its URI, as the kfp SDK has it."""
    assert plan.code is not None
    assert plan.options.code_archive is not None
    component.executor_label = plan.code.executor
    component.input_definitions.parameters["uri"].parameter_type = parameter_enum("STRING")
    _generic(component.output_definitions.artifacts[IMPORTED_ARTIFACT].artifact_type)
    executor.importer.artifact_uri.constant.string_value = plan.options.code_archive.uri
    _generic(executor.importer.type_schema)


def _generic(artifact_type: Any) -> None:
    """A ``system.Artifact``: a file or folder KFP knows nothing more of."""
    artifact_type.schema_title = "system.Artifact"
    artifact_type.schema_version = SCHEMA_VERSION


def executor_spec(executor: Any, plan: Plan, step: StepPlan) -> None:
    """Fill ``executor`` (an ``ExecutorSpec``): a container running the runner on the step."""
    node = step.node
    container = executor.container
    container.image = step_image(plan.ir, node, plan.options.image)
    container.command.extend(layout.container_command())
    container.args.extend(layout.container_args(step.manifest))
    for var in step.env:  # a Secret's env var is in the platform spec
        if var.secret is not None:
            continue
        env = container.env.add()
        env.name = var.name
        env.value = var.value or ""
    _resources(container.resources, step)


def _resources(resources: Any, step: StepPlan) -> None:
    """Kubernetes requests and limits in KFP's string form; GPUs as an accelerator."""
    given = kubernetes_resources(step.node.resources)
    requests, limits = given.get("requests", {}), given.get("limits", {})
    if "cpu" in requests:
        resources.resource_cpu_request = requests["cpu"]
    if "memory" in requests:
        resources.resource_memory_request = requests["memory"]
    if "cpu" in limits:
        resources.resource_cpu_limit = limits["cpu"]
    if "memory" in limits:
        resources.resource_memory_limit = limits["memory"]
    for key, count in limits.items():
        if key not in ("cpu", "memory"):
            resources.accelerator.resource_type = key
            resources.accelerator.resource_count = count
