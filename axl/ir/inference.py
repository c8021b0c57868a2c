"""Edges inferred from step signatures (a workflow without ``graph()``).

For each parameter of each step, in order:

1. a parameter named like a step binds to that step's output;
2. a parameter named like a declared param binds to that param;
3. a parameter with a default stays unbound (the default is used);
4. otherwise the single earlier-defined step whose return annotation fits
   best binds (see :mod:`axl.ir.typecompat`); none or a tie is an error.

A parameter in ``path`` input mode receives the path of the producer's
artifact, so its annotation (``Path``, ``str``, ``os.PathLike``...) says what
the step receives, not what the producer returns: it is never compared with
the producer's return annotation, and it binds only by name (rules 1-3), or
in an explicit ``graph()``. Binding it by type would match an annotation that
does not describe the value.

A parameter named like an inherited step that the subclass overrode without
``@step`` is told exactly that, rather than that nothing produces it.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

from axl.dataclass_fast import dataclass
from axl.dsl.workflow import LostStep
from axl.errors import GraphError
from axl.ir.bindings import Binding, GraphPlan, StepInfo
from axl.ir.typecompat import compatibility, describe, is_none_annotation

_BIND_HINT = (
    "name the parameter after the step it reads, declare a Param of that name, "
    "give it a default, or annotate it with a type that one earlier step returns"
)


def _error(
    info: StepInfo,
    arg: str,
    message: str,
    *,
    hint: str,
    workflow: str,
    candidates: list[str] | None = None,
) -> GraphError:
    """A :class:`GraphError` about parameter ``arg`` of step ``info``."""
    return GraphError(
        message,
        hint=hint,
        workflow=workflow,
        step=info.name,
        parameter=arg,
        candidates=candidates,
    )


@dataclass(frozen=True)
class _Scope:
    """What binding a parameter may look at."""

    workflow: str
    steps: list[StepInfo]
    by_name: dict[str, StepInfo]
    param_names: set[str]
    input_mode: str
    lost: Mapping[str, LostStep]


def infer_plan(
    workflow: str,
    steps: list[StepInfo],
    param_names: set[str],
    *,
    input_mode: str = "object",
    lost: Mapping[str, LostStep] | None = None,
) -> GraphPlan:
    """Bind every step parameter to a producer, following the rules of this module.

    ``input_mode`` is the workflow's default mode; ``lost`` the inherited steps
    a subclass overrode without ``@step`` (see :meth:`Workflow.lost_steps`).
    """
    scope = _Scope(
        workflow=workflow,
        steps=steps,
        by_name={info.name: info for info in steps},
        param_names=param_names,
        input_mode=input_mode,
        lost=lost or {},
    )
    bindings: dict[str, list[Binding]] = {}
    for info in steps:
        bound: list[Binding] = []
        for param in info.params:
            binding = _bind(scope, info, param)
            if binding is not None:
                bound.append(binding)
        bindings[info.name] = bound
    return GraphPlan(steps=steps, bindings=bindings)


def _bind(scope: _Scope, info: StepInfo, param: inspect.Parameter) -> Binding | None:
    workflow, arg = scope.workflow, param.name
    expected = info.annotation(arg)
    path_mode = info.spec.mode_for(arg, scope.input_mode) == "path"
    producer = scope.by_name.get(arg)
    if producer is not None:
        if producer.name == info.name:
            raise _error(
                info,
                arg,
                f"workflow {workflow!r}: step {info.name!r} reads its own output "
                f"through parameter {arg!r} (a cycle: {info.name} -> {info.name})",
                hint="rename the parameter",
                workflow=workflow,
            )
        _check_fit(workflow, info, arg, expected, producer, check_type=not path_mode)
        return Binding(arg=arg, source="step", ref=producer.name)
    if arg in scope.param_names:
        return Binding(arg=arg, source="param", ref=arg)
    if param.default is not inspect.Parameter.empty:
        return None
    lost = scope.lost.get(arg)
    if lost is not None:
        raise _error(
            info,
            arg,
            f"workflow {workflow!r}: step {info.name!r} reads parameter {arg!r}, but "
            f"{lost.explain()}",
            hint=f"{lost.hint()}, or rename the parameter",
            workflow=workflow,
        )
    if path_mode:
        earlier = [s.name for s in scope.steps[: info.index] if not is_none_annotation(s.returns)]
        raise _error(
            info,
            arg,
            f"workflow {workflow!r}: step {info.name!r}: parameter {arg!r} is in path mode "
            "and names no step; a path-mode parameter binds by name only",
            hint="name it after the step whose artifact it reads "
            f"(earlier steps: {', '.join(earlier) or 'none'}), or wire it in graph()",
            workflow=workflow,
            candidates=earlier,
        )
    return _bind_by_type(scope, info, arg, expected)


def _check_fit(
    workflow: str,
    info: StepInfo,
    arg: str,
    expected: object,
    producer: StepInfo,
    *,
    check_type: bool = True,
) -> None:
    if is_none_annotation(producer.returns):
        raise _error(
            info,
            arg,
            f"workflow {workflow!r}: step {info.name!r} reads parameter {arg!r} from step "
            f"{producer.name!r}, which returns None",
            hint=f"make {producer.name!r} return a value, or rename the parameter",
            workflow=workflow,
        )
    if check_type and compatibility(expected, producer.returns) is None:
        raise _error(
            info,
            arg,
            f"workflow {workflow!r}: step {info.name!r}: parameter {arg!r} expects "
            f"{describe(expected)} but step {producer.name!r} (bound by name) returns "
            f"{describe(producer.returns)}: incompatible annotation",
            hint="fix one of the two annotations, or rename the parameter",
            workflow=workflow,
            candidates=[producer.name],
        )


def _bind_by_type(scope: _Scope, info: StepInfo, arg: str, expected: object) -> Binding:
    workflow = scope.workflow
    earlier = [s for s in scope.steps[: info.index] if not is_none_annotation(s.returns)]
    scored = [(compatibility(expected, s.returns), s) for s in earlier]
    fitting = [(score, s) for score, s in scored if score is not None]
    if not fitting:
        if earlier:
            seen = ", ".join(f"{s.name} -> {describe(s.returns)}" for s in earlier)
            found = f"no earlier step returns a compatible type (earlier steps: {seen})"
        else:
            found = "no step is defined before it"
        for lost in scope.lost.values():
            found += f"; note: {lost.explain()}"
        raise _error(
            info,
            arg,
            f"workflow {workflow!r}: step {info.name!r}: no producer for parameter {arg!r} "
            f"({describe(expected)}): {found}",
            hint=_BIND_HINT,
            workflow=workflow,
            candidates=[s.name for s in earlier],
        )
    best = max(score for score, _ in fitting)
    winners = [s for score, s in fitting if score == best]
    if len(winners) > 1:
        listed = ", ".join(f"{s.name} (-> {describe(s.returns)})" for s in winners)
        example = winners[-1].name
        raise _error(
            info,
            arg,
            f"workflow {workflow!r}: step {info.name!r}: parameter {arg!r} "
            f"({describe(expected)}) matches several steps equally well: {listed}",
            hint=(
                f"rename the parameter to the step it should read (e.g. {example!r}), "
                "annotate it more precisely, or wire the steps in an explicit graph()"
            ),
            workflow=workflow,
            candidates=[s.name for s in winners],
        )
    return Binding(arg=arg, source="step", ref=winners[0].name)
