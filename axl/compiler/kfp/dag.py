"""The root DAG: one task per step, with its dependencies and the wiring of its inputs."""

from __future__ import annotations

from typing import Any

from axl import kfp_paths
from axl.compiler.kfp import layout
from axl.compiler.kfp.plan import Plan
from axl.planning import StepPlan


def build_task(task: Any, plan: Plan, step: StepPlan) -> None:
    """Fill ``task`` (a ``PipelineTaskSpec``) for one step."""
    names = plan.names
    node = step.node
    task.task_info.name = names[node.name].task
    task.component_ref.name = names[node.name].component
    task.dependent_tasks.extend(sorted(names[upstream].task for upstream in step.upstream))
    inputs = task.inputs
    for item in node.inputs:
        if item.source == "step":
            assert item.ref is not None
            wire = inputs.artifacts[item.name].task_output_artifact
            wire.producer_task = names[item.ref].task
            wire.output_artifact_key = kfp_paths.OUTPUT_ARTIFACT
    for name in plan.lowering.params:
        inputs.parameters[name].component_input_parameter = name
    run_id = inputs.parameters[kfp_paths.RUN_ID_INPUT].runtime_value.constant
    run_id.string_value = layout.RUN_ID_VALUE
    task.caching_options.enable_cache = node.cache  # KFP caches by default; axl only when asked
    if step.retries is not None:
        policy = task.retry_policy
        policy.max_retry_count = step.retries.count
        if step.retries.backoff > 0:
            policy.backoff_duration.FromMilliseconds(round(step.retries.backoff * 1000))
            policy.backoff_factor = float(step.retries.factor)
            if step.retries.max_backoff is not None:
                policy.backoff_max_duration.FromMilliseconds(round(step.retries.max_backoff * 1000))
