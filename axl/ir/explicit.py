"""Edges from an explicit ``graph()`` method, traced symbolically.

``graph()`` runs once against a tracer that stands in for ``self``: each step
call records the step and returns an :class:`~axl.dsl.refs.OutputRef`;
``self.params.x`` returns a :class:`~axl.dsl.refs.ParamRef`. What ``graph()``
returns (a ref, or a tuple/list/dict of refs) names the workflow's outputs.
"""

from __future__ import annotations

import inspect
import json
import math
import types
from collections.abc import Callable, Mapping
from typing import Any

from axl.dsl.refs import OutputRef, ParamRef
from axl.dsl.workflow import Workflow
from axl.errors import AxlError, GraphError
from axl.ir.bindings import Binding, GraphPlan, StepInfo


class _SymbolicParams:
    """``self.params`` inside ``graph()``: attribute or item access gives a ParamRef."""

    def __init__(self, tracer: _Tracer) -> None:
        self._tracer = tracer

    def __getattr__(self, name: str) -> ParamRef:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._tracer.param_ref(name)

    def __getitem__(self, name: str) -> ParamRef:
        return self._tracer.param_ref(name)


class _StepCall:
    """A step as seen from ``graph()``: calling it records the call."""

    def __init__(self, tracer: _Tracer, info: StepInfo) -> None:
        self._tracer = tracer
        self._info = info

    def __call__(self, *args: Any, **kwargs: Any) -> OutputRef:
        return self._tracer.record(self._info, args, kwargs)


class _ParamsStepCall(_StepCall, _SymbolicParams):
    """A step named ``params``: callable like a step, readable like ``self.params``."""

    def __init__(self, tracer: _Tracer, info: StepInfo) -> None:
        _StepCall.__init__(self, tracer, info)


class _Tracer:
    def __init__(
        self,
        workflow: str,
        cls: type[Workflow],
        steps: list[StepInfo],
        params: set[str],
        open_params: bool,
    ) -> None:
        self._workflow = workflow
        self._cls = cls
        self._steps = {info.name: info for info in steps}
        self._params = params
        self._open = open_params
        self.calls: dict[str, list[Binding]] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        info = self._steps.get(name)
        if name == "params":
            return _ParamsStepCall(self, info) if info is not None else _SymbolicParams(self)
        if info is not None:
            return _StepCall(self, info)
        lost = self._cls.lost_steps().get(name)
        if lost is not None:
            raise GraphError(
                f"workflow {self._workflow!r}: graph() calls {name!r}, but {lost.explain()}",
                hint=f"{lost.hint()}, or call another step",
                workflow=self._workflow,
                step=name,
            )
        value = getattr(self._cls, name)
        if inspect.isfunction(value):
            return types.MethodType(value, self)  # helper methods may call steps too
        return value

    def param_ref(self, name: str) -> ParamRef:
        if not self._open and name not in self._params:
            raise GraphError(
                f"workflow {self._workflow!r}: graph() reads param {name!r}, which is not declared",
                hint=f"declared params: {', '.join(sorted(self._params)) or 'none'}",
                workflow=self._workflow,
                parameter=name,
            )
        return ParamRef(name)

    def record(self, info: StepInfo, args: tuple[Any, ...], kwargs: dict[str, Any]) -> OutputRef:
        step = info.name
        if step in self.calls:
            raise GraphError(
                f"workflow {self._workflow!r}: graph() calls step {step!r} twice",
                hint="each step runs once per workflow; define a second step for a second use",
                workflow=self._workflow,
                step=step,
            )
        signature = info.spec.signature
        try:
            bound = signature.bind_partial(None, *args, **kwargs)
        except TypeError as exc:
            raise GraphError(
                f"workflow {self._workflow!r}: graph() calls step {step!r} wrongly: {exc}",
                workflow=self._workflow,
                step=step,
            ) from None
        bindings: list[Binding] = []
        for param in info.params:
            if param.name not in bound.arguments:
                if param.default is inspect.Parameter.empty:
                    raise GraphError(
                        f"workflow {self._workflow!r}: graph() calls step {step!r} without its "
                        f"parameter {param.name!r}",
                        hint="pass a step output, a param (self.params.x) or a literal",
                        workflow=self._workflow,
                        step=step,
                        parameter=param.name,
                    )
                continue
            bindings.append(self._binding(step, param.name, bound.arguments[param.name]))
        self.calls[step] = bindings
        return OutputRef(step)

    def _binding(self, step: str, arg: str, value: Any) -> Binding:
        if isinstance(value, OutputRef):
            if value.step not in self.calls:
                raise GraphError(
                    f"workflow {self._workflow!r}: step {step!r} parameter {arg!r} reads "
                    f"{value!r}, which graph() has not produced",
                    workflow=self._workflow,
                    step=step,
                    parameter=arg,
                )
            return Binding(arg=arg, source="step", ref=value.step)
        if isinstance(value, ParamRef):
            return Binding(arg=arg, source="param", ref=value.name)
        if _is_json_literal(value):
            return Binding(arg=arg, source="value", value=value)
        raise GraphError(
            f"workflow {self._workflow!r}: graph() passes a {type(value).__name__} to step "
            f"{step!r} parameter {arg!r}",
            hint="pass step outputs, params (self.params.x) or JSON-like literals",
            workflow=self._workflow,
            step=step,
            parameter=arg,
        )


def _is_json_literal(value: Any) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def trace_plan(
    workflow: str,
    cls: type[Workflow],
    graph: Callable[..., Any],
    steps: list[StepInfo],
    params: set[str],
    open_params: bool,
) -> GraphPlan:
    """Run ``graph()`` symbolically and collect the calls it makes."""
    tracer = _Tracer(workflow, cls, steps, params, open_params)
    try:
        result = graph(tracer)
    except AxlError:
        raise
    except Exception as exc:
        line = _user_line(exc)
        raise GraphError(
            f"workflow {workflow!r}: graph() raised {type(exc).__name__}: {exc}{line}",
            hint="graph() only calls steps and passes their outputs along",
            workflow=workflow,
        ) from None
    called = [info for info in steps if info.name in tracer.calls]
    unused = [info.name for info in steps if info.name not in tracer.calls]
    warnings = [
        f"step {name!r} is defined but graph() never calls it, so it will not run"
        for name in unused
    ]
    return GraphPlan(
        steps=called,
        bindings=tracer.calls,
        outputs=_outputs(workflow, result),
        warnings=warnings,
    )


def _outputs(workflow: str, result: Any) -> tuple[str, ...]:
    if result is None:
        return ()
    if isinstance(result, OutputRef):
        return (result.step,)
    items = result.values() if isinstance(result, Mapping) else result
    if isinstance(items, list | tuple | type({}.values())):
        refs = list(items)
        if all(isinstance(ref, OutputRef) for ref in refs):
            return tuple(ref.step for ref in refs)
    raise GraphError(
        f"workflow {workflow!r}: graph() must return None, a step output, or a "
        f"tuple/list/dict of step outputs, not {type(result).__name__}",
        workflow=workflow,
    )


def _user_line(exc: BaseException) -> str:
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return ""
    return f" (at {last.tb_frame.f_code.co_filename}:{last.tb_lineno})"
