"""The warm step on KFP (``warm_env``): a root task every step runs after.

Its container runs ``python -m axl.runtime warm`` in the workflow's image
with the workflow's env (Secrets through the platform spec); every task of
the root DAG that waits for no other step waits for it, so every step and
condition sub-DAG starts after it. KFP's cache is off for it, as for steps.
The pods reach the env store with their own S3 credentials: put them in
the workflow's ``env`` (``axl.Secret``), or give the pods a role.
"""

from __future__ import annotations

from typing import Any

from axl.compiler.kfp.plan import Plan
from axl.planning import escaped_braces
from axl.planning.warm import WARM_COMMAND, warm_manifest_text


def build_warm_component(component: Any, plan: Plan) -> None:
    """The warm step's component: no inputs, no outputs, its executor."""
    assert plan.warm_names is not None
    component.executor_label = plan.warm_names.executor


def warm_executor(executor: Any, plan: Plan) -> None:
    """The warm step's container: the runner's ``warm`` command and the warm manifest."""
    assert plan.warm is not None
    container = executor.container
    container.image = plan.ir.image or plan.options.image
    container.command.extend(WARM_COMMAND)
    container.args.extend(["--manifest-json", escaped_braces(warm_manifest_text(plan.warm))])
    for var in sorted(plan.ir.env, key=lambda v: v.name):  # a Secret's is in the platform spec
        if var.secret is None:
            env = container.env.add()
            env.name = var.name
            env.value = var.value or ""


def build_warm_task(task: Any, plan: Plan) -> None:
    """The root task of the warm step."""
    assert plan.warm_names is not None
    task.task_info.name = plan.warm_names.task
    task.component_ref.name = plan.warm_names.component
    task.caching_options.enable_cache = False


def after_warm(task: Any, plan: Plan) -> None:
    """Make ``task`` (a root task that waits for no other step) wait for the warm step."""
    assert plan.warm_names is not None
    dependencies = [*task.dependent_tasks, plan.warm_names.task]
    del task.dependent_tasks[:]
    task.dependent_tasks.extend(sorted(dependencies))
