"""Edges inferred from step signatures (a workflow without ``graph()``).

For each parameter of each step, in order:

1. a parameter named like a step binds to that step's output;
2. a parameter named like a declared param binds to that param;
3. a parameter with a default stays unbound (the default is used);
4. otherwise the single earlier-defined step whose return annotation fits
   best binds (see :mod:`axl.ir.typecompat`); none or a tie is an error.
"""

from __future__ import annotations

import inspect

from axl.errors import GraphError
from axl.ir.bindings import Binding, GraphPlan, StepInfo
from axl.ir.typecompat import compatibility, describe, is_none_annotation

_BIND_HINT = (
    "name the parameter after the step it reads, declare a Param of that name, "
    "give it a default, or annotate it with a type that one earlier step returns"
)


def infer_plan(workflow: str, steps: list[StepInfo], param_names: set[str]) -> GraphPlan:
    """Bind every step parameter to a producer, following the rules of this module."""
    by_name = {info.name: info for info in steps}
    bindings: dict[str, list[Binding]] = {}
    for info in steps:
        bound: list[Binding] = []
        for param in info.params:
            binding = _bind(workflow, info, param, steps, by_name, param_names)
            if binding is not None:
                bound.append(binding)
        bindings[info.name] = bound
    return GraphPlan(steps=steps, bindings=bindings)


def _bind(
    workflow: str,
    info: StepInfo,
    param: inspect.Parameter,
    steps: list[StepInfo],
    by_name: dict[str, StepInfo],
    param_names: set[str],
) -> Binding | None:
    arg = param.name
    expected = info.annotation(arg)
    producer = by_name.get(arg)
    if producer is not None:
        if producer.name == info.name:
            raise GraphError(
                f"workflow {workflow!r}: step {info.name!r} reads its own output "
                f"through parameter {arg!r} (a cycle: {info.name} -> {info.name})",
                hint="rename the parameter",
                workflow=workflow,
                step=info.name,
                parameter=arg,
            )
        _check_fit(workflow, info, arg, expected, producer)
        return Binding(arg=arg, source="step", ref=producer.name)
    if arg in param_names:
        return Binding(arg=arg, source="param", ref=arg)
    if param.default is not inspect.Parameter.empty:
        return None
    return _bind_by_type(workflow, info, arg, expected, steps)


def _check_fit(
    workflow: str, info: StepInfo, arg: str, expected: object, producer: StepInfo
) -> None:
    if is_none_annotation(producer.returns):
        raise GraphError(
            f"workflow {workflow!r}: step {info.name!r} reads parameter {arg!r} from step "
            f"{producer.name!r}, which returns None",
            hint=f"make {producer.name!r} return a value, or rename the parameter",
            workflow=workflow,
            step=info.name,
            parameter=arg,
        )
    if compatibility(expected, producer.returns) is None:
        raise GraphError(
            f"workflow {workflow!r}: step {info.name!r}: parameter {arg!r} expects "
            f"{describe(expected)} but step {producer.name!r} (bound by name) returns "
            f"{describe(producer.returns)}: incompatible annotation",
            hint="fix one of the two annotations, or rename the parameter",
            workflow=workflow,
            step=info.name,
            parameter=arg,
            candidates=[producer.name],
        )


def _bind_by_type(
    workflow: str, info: StepInfo, arg: str, expected: object, steps: list[StepInfo]
) -> Binding:
    earlier = [s for s in steps[: info.index] if not is_none_annotation(s.returns)]
    scored = [(compatibility(expected, s.returns), s) for s in earlier]
    fitting = [(score, s) for score, s in scored if score is not None]
    if not fitting:
        if earlier:
            seen = ", ".join(f"{s.name} -> {describe(s.returns)}" for s in earlier)
            found = f"no earlier step returns a compatible type (earlier steps: {seen})"
        else:
            found = "no step is defined before it"
        raise GraphError(
            f"workflow {workflow!r}: step {info.name!r}: no producer for parameter {arg!r} "
            f"({describe(expected)}): {found}",
            hint=_BIND_HINT,
            workflow=workflow,
            step=info.name,
            parameter=arg,
            candidates=[s.name for s in earlier],
        )
    best = max(score for score, _ in fitting)
    winners = [s for score, s in fitting if score == best]
    if len(winners) > 1:
        listed = ", ".join(f"{s.name} (-> {describe(s.returns)})" for s in winners)
        example = winners[-1].name
        raise GraphError(
            f"workflow {workflow!r}: step {info.name!r}: parameter {arg!r} "
            f"({describe(expected)}) matches several steps equally well: {listed}",
            hint=(
                f"rename the parameter to the step it should read (e.g. {example!r}), "
                "annotate it more precisely, or wire the steps in an explicit graph()"
            ),
            workflow=workflow,
            step=info.name,
            parameter=arg,
            candidates=[s.name for s in winners],
        )
    return Binding(arg=arg, source="step", ref=winners[0].name)
