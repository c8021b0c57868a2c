"""What both graph builders produce: per-step argument bindings, before they become IR."""

from __future__ import annotations

import inspect
import typing
from dataclasses import field
from typing import Any

from axl.dataclass_fast import dataclass
from axl.dsl.step import StepSpec
from axl.errors import WorkflowDefinitionError
from axl.ir.typecompat import EMPTY


@dataclass(frozen=True)
class Binding:
    """Argument ``arg`` of a step reads a step output, a param, or a literal value."""

    arg: str
    source: str  # "step" | "param" | "value"
    ref: str | None = None
    value: Any = None


@dataclass
class StepInfo:
    """A step with its resolved annotations, as the builders see it."""

    spec: StepSpec
    index: int
    params: list[inspect.Parameter]
    hints: dict[str, Any]
    returns: Any

    @property
    def name(self) -> str:
        return self.spec.name

    def annotation(self, arg: str) -> Any:
        return self.hints.get(arg, EMPTY)


@dataclass
class GraphPlan:
    """The result of a builder: ordered steps, their bindings, outputs, and warnings."""

    steps: list[StepInfo]
    bindings: dict[str, list[Binding]]
    outputs: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)


def _hints(fn: Any, cache: dict[tuple[int, str], Any]) -> dict[str, Any]:
    """Like ``typing.get_type_hints``, with string annotations evaluated once per module.

    Modules using ``from __future__ import annotations`` repeat the same few
    annotation strings on every step; evaluating each once keeps large
    workflows fast. Anything unusual falls back to ``typing.get_type_hints``.
    """
    raw = getattr(fn, "__annotations__", {})
    scope = fn.__globals__
    hints: dict[str, Any] = {}
    for name, annotation in raw.items():
        value = annotation
        if isinstance(annotation, str):
            key = (id(scope), annotation)
            if key not in cache:
                cache[key] = eval(annotation, scope)  # how typing resolves them too
            value = cache[key]
        if value is None:
            value = type(None)
        elif isinstance(value, typing.ForwardRef) or (
            typing.get_origin(value) is not None
            and any(isinstance(arg, str | typing.ForwardRef) for arg in typing.get_args(value))
        ):
            return typing.get_type_hints(fn, include_extras=True)
        hints[name] = value
    return hints


def step_infos(workflow_label: str, specs: dict[str, StepSpec]) -> list[StepInfo]:
    """Resolve each step's annotations (string annotations included) once."""
    infos = []
    cache: dict[tuple[int, str], Any] = {}
    for index, spec in enumerate(specs.values()):
        try:
            hints = _hints(spec.fn, cache)
        except Exception as exc:
            raise WorkflowDefinitionError(
                f"workflow {workflow_label}: step {spec.name!r}: cannot resolve its annotations "
                f"({type(exc).__name__}: {exc})",
                hint="import every type used in the step's signature at module level",
                step=spec.name,
            ) from None
        returns = hints.pop("return", EMPTY)
        infos.append(
            StepInfo(spec=spec, index=index, params=spec.parameters, hints=hints, returns=returns)
        )
    return infos
