"""The ``main`` DAG template: one task per step, ordering, artifact wiring and ``when``.

A task runs only when every upstream task *succeeded*: ``depends`` lists
``<up>.Succeeded`` terms. A step whose ``when`` is false ends ``Skipped``;
its dependants' ``depends`` is then false, so Argo marks them ``Omitted``,
and theirs in turn: the whole branch below a skipped step is skipped, as
in the local engine. (Plain ``dependencies`` would run them: Argo counts a
``Skipped`` upstream as done.) A failed upstream omits its dependants too,
and the workflow fails.
"""

from __future__ import annotations

from typing import Any

from axl.compiler.argo import conditions, layout
from axl.compiler.argo.plan import DAG_TEMPLATE, Plan
from axl.ir import IRNode
from axl.manifest import WARM_STEP
from axl.planning import param_kind


def dag_template(plan: Plan) -> dict[str, Any]:
    """The DAG template that runs every step (after the warm step, when there is one)."""
    tasks = [_task(plan, node) for node in plan.ir.nodes]
    if plan.warm is not None:
        tasks.insert(0, {"name": WARM_STEP, "template": WARM_STEP})
    return {"name": DAG_TEMPLATE, "dag": {"tasks": tasks}}


def artifact_from(task: str) -> str:
    """The reference to the output artifact of ``task``."""
    return f"{{{{tasks.{task}.outputs.artifacts.{layout.OUTPUT_ARTIFACT}}}}}"


def _task(plan: Plan, node: IRNode) -> dict[str, Any]:
    names = plan.names
    own = names[node.name]
    task: dict[str, Any] = {"name": own.template, "template": own.template}
    upstream = plan.lowering.steps[node.name].upstream
    if upstream:
        task["depends"] = " && ".join(f"{names[up].template}.Succeeded" for up in upstream)
    elif plan.warm is not None:  # the others wait for it through their upstream tasks
        task["depends"] = f"{WARM_STEP}.Succeeded"
    if plan.options.artifacts == "s3":
        wired = [
            {"name": own.inputs[item.name], "from": artifact_from(names[item.ref].template)}
            for item in node.inputs
            if item.source == "step" and item.ref is not None
        ]
        if wired:
            task["arguments"] = {"artifacts": wired}
    if node.when is not None:
        task["when"] = _when(plan, node)
    return task


def _when(plan: Plan, node: IRNode) -> str:
    cond = node.when
    assert cond is not None
    if cond.source == "step":
        left = conditions.step_operand(plan.names[cond.ref].template)
        return conditions.when_expression(cond, left, "step")
    param = plan.param(cond.ref)
    kind = param_kind(param.decl, cond)
    return conditions.when_expression(cond, conditions.param_operand(param.argo_name, kind), kind)
