"""The DAGs: one task per step in the DAG of its conditions, one per condition sub-DAG.

A task reads what its own DAG produces from the producing task, and what an
enclosing DAG produces from the input its sub-DAG was handed
(:mod:`axl.compiler.kfp.conditions`).
"""

from __future__ import annotations

from typing import Any

from axl import kfp_paths
from axl.compiler.kfp import layout
from axl.compiler.kfp.cel import expression
from axl.compiler.kfp.conditions import (
    IMPORTED_ARTIFACT,
    Group,
    Path,
    artifact_channel,
    imported_channel,
    value_channel,
)
from axl.compiler.kfp.options import KfpOptionsError
from axl.compiler.kfp.parameters import parameter_type
from axl.compiler.kfp.plan import Plan
from axl.compiler.kfp.warm import after_warm
from axl.planning import StepPlan


def build_task(task: Any, plan: Plan, step: StepPlan) -> None:
    """Fill ``task`` (a ``PipelineTaskSpec``) for one step."""
    names = plan.names
    node = step.node
    scope = plan.scopes.paths[node.name]
    task.task_info.name = names[node.name].task
    task.component_ref.name = names[node.name].component
    task.dependent_tasks.extend(
        sorted(
            names[upstream].task
            for upstream in step.upstream
            if plan.scopes.paths[upstream] == scope
        )
    )
    if plan.warm is not None and not scope and not task.dependent_tasks:
        after_warm(task, plan)
    inputs = task.inputs
    for item in node.inputs:
        if item.source == "step":
            assert item.ref is not None
            _artifact(inputs.artifacts[item.name], plan, scope, item.ref)
    _code(task, inputs.artifacts, kfp_paths.CODE_INPUT, plan, scope)
    _params(inputs, plan)
    run_id = inputs.parameters[kfp_paths.RUN_ID_INPUT].runtime_value.constant
    run_id.string_value = layout.RUN_ID_VALUE
    # KFP caches by default; axl only when asked, and by its own key when it has a store
    task.caching_options.enable_cache = node.cache and step.manifest.cache is None
    if step.retries is not None:
        policy = task.retry_policy
        policy.max_retry_count = step.retries.count
        if step.retries.backoff > 0:
            policy.backoff_duration.FromMilliseconds(round(step.retries.backoff * 1000))
            policy.backoff_factor = float(step.retries.factor)
            if step.retries.max_backoff is not None:
                policy.backoff_max_duration.FromMilliseconds(round(step.retries.max_backoff * 1000))


def build_group_task(task: Any, plan: Plan, group: Group) -> None:
    """Fill ``task`` for a condition sub-DAG: its inputs, what it waits for, its condition."""
    names = plan.names
    scope = group.parent
    task.task_info.name = group.task
    task.component_ref.name = group.component
    task.dependent_tasks.extend(sorted(names[step].task for step in group.after))
    if plan.warm is not None and not scope and not task.dependent_tasks:
        after_warm(task, plan)
    inputs = task.inputs
    for producer in group.artifacts:
        _artifact(inputs.artifacts[artifact_channel(names[producer].task)], plan, scope, producer)
    if plan.code is not None:
        _code(task, inputs.artifacts, imported_channel(plan.code.task), plan, scope)
    _params(inputs, plan)
    for producer in group.values:
        wire = inputs.parameters[value_channel(names[producer].task)]
        if plan.scopes.paths[producer] == scope:
            wire.task_output_parameter.producer_task = names[producer].task
            wire.task_output_parameter.output_parameter_key = kfp_paths.VALUE_PARAMETER
        else:
            wire.component_input_parameter = value_channel(names[producer].task)
    task.trigger_policy.condition = condition_text(plan, group)


def condition_text(plan: Plan, group: Group) -> str:
    """The CEL condition of a sub-DAG task, on its own inputs."""
    condition = group.condition
    if condition.source == "step":
        kind = plan.value_types[condition.ref]
        return expression(condition, kind, value_channel(plan.names[condition.ref].task))
    if condition.ref not in plan.lowering.params:
        raise KfpOptionsError(
            f"step {group.opened_by!r}: when={condition.text!r} reads the param "
            f"{condition.ref!r}, which the workflow does not declare",
            hint="declare it as a Param so that it is a pipeline parameter",
        )
    kind = parameter_type(plan.lowering.params[condition.ref])
    return expression(condition, kind, condition.ref)


def _artifact(wire: Any, plan: Plan, scope: Path, producer: str) -> None:
    """Wire an input artifact: from the producing task, or from the sub-DAG's input."""
    task = plan.names[producer].task
    if plan.scopes.paths[producer] == scope:
        wire.task_output_artifact.producer_task = task
        wire.task_output_artifact.output_artifact_key = kfp_paths.OUTPUT_ARTIFACT
    else:
        wire.component_input_artifact = artifact_channel(task)


def build_importer_task(task: Any, plan: Plan) -> None:
    """The root task that imports the code archive by its URI."""
    assert plan.code is not None
    assert plan.options.code_archive is not None
    task.task_info.name = plan.code.task
    task.component_ref.name = plan.code.component
    uri = task.inputs.parameters["uri"].runtime_value.constant
    uri.string_value = plan.options.code_archive.uri


def _code(task: Any, artifacts: Any, name: str, plan: Plan, scope: Path) -> None:
    """Hand a task the code archive: from the importer at the root, else from its sub-DAG."""
    if plan.code is None:
        return
    wire = artifacts[name]
    if scope:
        wire.component_input_artifact = imported_channel(plan.code.task)
        return
    wire.task_output_artifact.producer_task = plan.code.task
    wire.task_output_artifact.output_artifact_key = IMPORTED_ARTIFACT
    dependencies = [*task.dependent_tasks, plan.code.task]
    del task.dependent_tasks[:]
    task.dependent_tasks.extend(sorted(dependencies))


def _params(inputs: Any, plan: Plan) -> None:
    """The workflow's params, handed down under their own names."""
    for name in plan.lowering.params:
        inputs.parameters[name].component_input_parameter = name
