"""Build the IR of a workflow class: bindings, conditions, checks, then frozen models."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping
from typing import Any, cast

from axl._gc import collector_paused
from axl.dataclass_fast import dataclass
from axl.dsl.options import Resources, Retry, Secret
from axl.dsl.params import declared_params, param_decls
from axl.dsl.workflow import LostStep, Workflow
from axl.errors import GraphError, WorkflowDefinitionError
from axl.io import get_handler
from axl.ir.bindings import Binding, GraphPlan, StepInfo, step_infos
from axl.ir.explicit import trace_plan
from axl.ir.hashing import code_digest, refresh_sources
from axl.ir.inference import infer_plan
from axl.ir.models import (
    ConditionSource,
    InputMode,
    InputSource,
    IRCondition,
    IREdge,
    IREnvVar,
    IRInput,
    IRNode,
    IROutput,
    IRParam,
    IRResources,
    IRRetry,
    IRSecretRef,
    IRWorkflow,
)
from axl.ir.typecompat import EMPTY, describe, is_none_annotation


class AxlWarning(UserWarning):
    """A workflow that builds, but probably not as its author meant."""


@dataclass(frozen=True)
class BuildResult:
    """An IR and the warnings found while building it."""

    ir: IRWorkflow
    warnings: tuple[str, ...]


def build_ir(cls: type[Workflow]) -> IRWorkflow:
    """The IR of a workflow class; warnings are issued as :class:`AxlWarning`."""
    result = build(cls)
    for message in result.warnings:
        warnings.warn(message, AxlWarning, stacklevel=2)
    return result.ir


def build(cls: type[Workflow]) -> BuildResult:
    """The IR of a workflow class and its warnings, without issuing them."""
    with collector_paused():
        return _build(cls)


def _build(cls: type[Workflow]) -> BuildResult:
    if not (isinstance(cls, type) and issubclass(cls, Workflow)):
        raise WorkflowDefinitionError(
            f"{cls!r} is not a workflow class", hint="subclass axl.Workflow or use @workflow"
        )
    workflow = cls.name
    specs = cls.steps()
    refresh_sources(spec.fn for spec in specs.values())
    if not specs:
        raise WorkflowDefinitionError(
            f"workflow {workflow!r} ({cls.__qualname__}) has no steps",
            hint="mark methods with @step",
            workflow=workflow,
        )
    params_decl = param_decls(cls)
    declared, model = declared_params(cls)
    param_names = {p.name for p in params_decl}
    open_params = not declared and model is None
    infos = step_infos(workflow, specs)
    graph = cls.__dict__.get("graph") or _inherited_graph(cls)
    lost = cls.lost_steps()
    if graph is not None:
        plan = trace_plan(workflow, cls, graph, infos, param_names, open_params)
    else:
        plan = infer_plan(workflow, infos, param_names, input_mode=cls.input_mode, lost=lost)
    conditions = {
        info.name: _condition(workflow, info, plan, param_names, open_params, lost)
        for info in plan.steps
        if info.spec.when is not None
    }
    edges = _edges(plan, conditions)
    _check_acyclic(workflow, [info.name for info in plan.steps], edges)
    outputs = _outputs(workflow, cls, plan, lost)
    found = list(plan.warnings) + _unconsumed(plan, edges, {*outputs, *plan.outputs})
    nodes = tuple(
        _node(cls, info, plan.bindings[info.name], conditions.get(info.name)) for info in plan.steps
    )
    ir = IRWorkflow(
        name=workflow,
        module=cls.__module__,
        qualname=cls.__qualname__,
        image=cls.image,
        namespace=cls.namespace,
        service_account=cls.service_account,
        io_handler=cls.io_handler,
        input_mode=cast(InputMode, cls.input_mode),
        env=_env(cls.env),
        requirements=tuple(cls.requirements),
        requirements_file=cls.requirements_file,
        use_lockfile=cls.use_lockfile,
        warm_env=cls.warm_env,
        params=tuple(
            IRParam(
                name=p.name,
                type=p.type_name,
                default=p.default,
                required=p.required,
                help=p.help,
                choices=p.choices,
            )
            for p in params_decl
        ),
        open_params=open_params,
        nodes=nodes,
        edges=tuple(edges),
        outputs=outputs,
    )
    return BuildResult(ir=ir, warnings=tuple(found))


def _inherited_graph(cls: type) -> Any:
    for klass in cls.__mro__[1:]:
        if klass is Workflow:
            return None
        if "graph" in klass.__dict__:
            return klass.__dict__["graph"]
    return None


def _condition(
    workflow: str,
    info: StepInfo,
    plan: GraphPlan,
    params: set[str],
    open_params: bool,
    lost: Mapping[str, LostStep],
) -> IRCondition:
    cond = info.spec.when
    assert cond is not None
    steps = {s.name for s in plan.steps}
    if not cond.explicit_param and cond.name in steps:
        if cond.name == info.name:
            raise GraphError(
                f"workflow {workflow!r}: step {info.name!r}: "
                f"when={cond.text!r} reads the step itself",
                workflow=workflow,
                step=info.name,
            )
        source = "step"
    elif cond.name in params or (cond.explicit_param and open_params):
        source = "param"
    else:
        gone = lost.get(cond.name)
        raise GraphError(
            f"workflow {workflow!r}: step {info.name!r}: when={cond.text!r} names "
            f"{cond.name!r}, which is neither a step nor a declared param"
            + (f": {gone.explain()}" if gone else ""),
            hint=gone.hint()
            if gone
            else f"steps: {', '.join(sorted(steps))}; "
            f"params: {', '.join(sorted(params)) or 'none'}",
            workflow=workflow,
            step=info.name,
        )
    return IRCondition(
        source=cast(ConditionSource, source),
        ref=cond.name,
        op=cond.op,
        value=cond.value,
        text=cond.text,
    )


def _edges(plan: GraphPlan, conditions: Mapping[str, IRCondition]) -> list[IREdge]:
    edges: list[IREdge] = []
    for info in plan.steps:
        fed = set()
        for binding in plan.bindings[info.name]:
            if binding.source == "step" and binding.ref is not None:
                edges.append(IREdge(source=binding.ref, target=info.name, arg=binding.arg))
                fed.add(binding.ref)
        cond = conditions.get(info.name)
        if cond is not None and cond.source == "step" and cond.ref not in fed:
            edges.append(IREdge(source=cond.ref, target=info.name, arg=None))
    return edges


def _check_acyclic(workflow: str, names: list[str], edges: list[IREdge]) -> None:
    """Iterative DFS; a cycle is reported as ``a -> b -> a``."""
    children: dict[str, list[str]] = {name: [] for name in names}
    for edge in edges:
        children[edge.source].append(edge.target)
    state: dict[str, int] = dict.fromkeys(names, 0)  # 0 new, 1 on stack, 2 done
    for root in names:
        if state[root]:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            if i < len(children[node]):
                stack.append((node, i + 1))
                child = children[node][i]
                if state[child] == 1:
                    cycle = [*path[path.index(child) :], child]
                    raise GraphError(
                        f"workflow {workflow!r} has a cycle: {' -> '.join(cycle)}",
                        hint="a step cannot depend on its own output, directly or through others",
                        workflow=workflow,
                        candidates=cycle,
                    )
                if state[child] == 0:
                    stack.append((child, 0))
            else:
                state[node] = 2
                path.pop()


def _outputs(
    workflow: str, cls: type[Workflow], plan: GraphPlan, lost: Mapping[str, LostStep]
) -> tuple[str, ...]:
    declared = tuple(cls.outputs) or plan.outputs
    names = {info.name for info in plan.steps}
    for name in declared:
        if name not in names:
            gone = lost.get(name)
            raise GraphError(
                f"workflow {workflow!r}: outputs names {name!r}, which is not a step"
                + (f": {gone.explain()}" if gone else ""),
                hint=gone.hint() if gone else f"steps: {', '.join(sorted(names))}",
                workflow=workflow,
            )
    return declared


def _unconsumed(plan: GraphPlan, edges: list[IREdge], outputs: set[str]) -> list[str]:
    """Steps whose value goes nowhere: not read, not an output, not ``-> None``.

    The last step is the workflow's result whether or not ``outputs`` (or what
    ``graph()`` returns) lists it; in a ``graph()`` it is the last one called.
    """
    if not plan.steps:
        return []
    consumed = {edge.source for edge in edges}
    last = next(reversed(plan.bindings), plan.steps[-1].name)
    found = []
    for info in plan.steps:
        if info.name in consumed or info.name in outputs or is_none_annotation(info.returns):
            continue
        if info.name == last:
            continue
        found.append(
            f"step {info.name!r} returns a value that no step consumes and it is not a "
            "declared output; list it in `outputs`, annotate it `-> None`, or check the "
            "parameter names of the steps that should read it"
        )
    return found


def _node(
    cls: type[Workflow], info: StepInfo, bindings: list[Binding], when: IRCondition | None
) -> IRNode:

    spec = info.spec
    handler = get_handler(spec.io_handler or cls.io_handler)
    inputs = []
    for binding in bindings:
        mode = spec.mode_for(binding.arg, cls.input_mode) if binding.source == "step" else "object"
        annotation = info.annotation(binding.arg)
        inputs.append(
            IRInput(
                name=binding.arg,
                source=cast(InputSource, binding.source),
                ref=binding.ref,
                value=binding.value,
                mode=cast(InputMode, mode),
                annotation=None if annotation is EMPTY else describe(annotation),
            )
        )
    doc = inspect.cleandoc(spec.fn.__doc__) if spec.fn.__doc__ else None
    return IRNode(
        name=spec.name,
        inputs=tuple(inputs),
        output=IROutput(
            handler=handler.name,
            ext=handler.ext,
            annotation=None if info.returns is EMPTY else describe(info.returns),
        ),
        resources=_resources(spec.resources),
        retries=_retries(spec.retries),
        env=_env(spec.env),
        packages=spec.packages,
        when=when,
        image=spec.image,
        cache=spec.cache,
        timeout=spec.timeout,
        code_digest=code_digest(spec.fn),
        doc=doc.splitlines()[0] if doc else None,
    )


def _resources(value: Resources | None) -> IRResources | None:
    if value is None:
        return None
    return IRResources(
        cpu=value.cpu,
        memory=value.memory,
        gpu=value.gpu,
        cpu_limit=value.cpu_limit,
        memory_limit=value.memory_limit,
    )


def _retries(value: Retry | None) -> IRRetry | None:
    if value is None:
        return None
    return IRRetry(
        count=value.count, backoff=value.backoff, factor=value.factor, max_backoff=value.max_backoff
    )


def _env(env: Mapping[str, str | Secret]) -> tuple[IREnvVar, ...]:
    out = []
    for name in sorted(env):
        value = env[name]
        if isinstance(value, Secret):
            out.append(IREnvVar(name=name, secret=IRSecretRef(name=value.name, key=value.key)))
        else:
            out.append(IREnvVar(name=name, value=value))
    return tuple(out)
