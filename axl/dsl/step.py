"""The ``@step`` decorator: marks a workflow method as a DAG node and checks its options."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any, TypeVar, overload

from axl.dataclass_fast import dataclass
from axl.dsl.conditions import Condition, parse_condition
from axl.dsl.options import (
    OptionValueError,
    Resources,
    Retry,
    Secret,
    parse_duration,
    parse_env,
    parse_packages,
    parse_resources,
    parse_retries,
)
from axl.errors import StepOptionError, WorkflowDefinitionError

F = TypeVar("F", bound=Callable[..., Any])

INPUT_MODES = ("object", "path")
STEP_ATTR = "__axl_step__"


@dataclass(frozen=True)
class StepSpec:
    """Everything ``@step`` knows about one method, validated."""

    name: str
    fn: Callable[..., Any]
    io_handler: str | None = None
    input_mode: str | Mapping[str, str] | None = None
    resources: Resources | None = None
    retries: Retry | None = None
    env: Mapping[str, str | Secret] = field(default_factory=dict)
    packages: tuple[str, ...] = ()
    when: Condition | None = None
    image: str | None = None
    cache: bool = False
    timeout: float | None = None

    @property
    def parameters(self) -> list[inspect.Parameter]:
        """The method's parameters after ``self``."""
        return list(self.signature.parameters.values())[1:]

    @property
    def signature(self) -> inspect.Signature:
        """The method's signature (computed once, at decoration)."""
        return _signature(self.fn)

    def mode_for(self, arg: str, default: str) -> str:
        """The input mode of one argument: per-argument, step-wide, then workflow default."""
        if isinstance(self.input_mode, Mapping):
            return self.input_mode.get(arg, default)
        return self.input_mode or default


def _signature(fn: Callable[..., Any]) -> inspect.Signature:
    cached = fn.__dict__.get("__axl_signature__")
    if cached is None:
        cached = inspect.signature(fn)
        fn.__dict__["__axl_signature__"] = cached
    return cached


def get_step_spec(obj: Any) -> StepSpec | None:
    """The :class:`StepSpec` of a decorated function, or ``None``."""
    spec = getattr(obj, STEP_ATTR, None)
    return spec if isinstance(spec, StepSpec) else None


@overload
def step(fn: F, /) -> F: ...


@overload
def step(
    fn: None = None,
    /,
    *,
    io_handler: Any = None,
    input_mode: str | Mapping[str, str] | None = None,
    resources: Resources | Mapping[str, Any] | None = None,
    retries: int | Retry | Mapping[str, Any] | None = None,
    env: Mapping[str, Any] | None = None,
    packages: list[str] | tuple[str, ...] | None = None,
    when: str | None = None,
    image: str | None = None,
    cache: bool = False,
    timeout: float | str | None = None,
) -> Callable[[F], F]: ...


def step(fn: Any = None, /, **options: Any) -> Any:
    """Mark a workflow method as a step. Usable bare (``@step``) or with options.

    Options:
        io_handler: how the return value is stored ("pickle", "cloudpickle",
            "json", "parquet", "arrow", or a handler object); default: the workflow's.
        input_mode: "object" (load inputs) or "path" (hand over the file path),
            or a mapping of argument name to mode.
        resources: ``{"cpu": "500m", "memory": "2Gi", "gpu": 1}`` or :class:`Resources`.
        retries: a count, ``{"count": 3, "backoff": 5, "factor": 2}`` or :class:`Retry`.
        env: environment variables for this step only; values may be :class:`Secret`.
        packages: requirement strings the step needs.
        when: a condition on an upstream output or a param, e.g. ``"evaluate > 0.9"``.
        image: container image for this step on Kubernetes backends.
        cache: reuse a previous result when code and inputs are unchanged.
        timeout: seconds, or a duration text like ``"10m"``.
    """
    if fn is not None:
        if options:
            raise TypeError("use @step or @step(option=...), not both")
        return _decorate(fn, {})

    def decorator(func: F) -> F:
        return _decorate(func, options)

    return decorator


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "resources": parse_resources,
    "retries": parse_retries,
    "env": parse_env,
    "packages": parse_packages,
    "when": parse_condition,
    "timeout": parse_duration,
}


def _decorate(fn: F, options: dict[str, Any]) -> F:
    if isinstance(fn, staticmethod | classmethod) or not inspect.isfunction(fn):
        raise WorkflowDefinitionError(
            f"@step must decorate a plain method (def name(self, ...)), not {fn!r}",
            hint="remove @staticmethod/@classmethod; steps receive the workflow instance",
        )
    name = fn.__name__
    known = set(StepSpec.__dataclass_fields__) - {"name", "fn"}
    for option in options:
        if option not in known:
            raise StepOptionError(
                f"step {name!r}: unknown option {option!r}",
                hint=f"options are: {', '.join(sorted(known))}",
                step=name,
                option=option,
            )
    _check_signature(fn)
    values: dict[str, Any] = {}
    for option, raw in options.items():
        try:
            values[option] = _parse_option(fn, option, raw)
        except OptionValueError as exc:
            raise StepOptionError(
                f"step {name!r}: invalid option {option}={raw!r}: {exc}", step=name, option=option
            ) from None
    spec = StepSpec(name=name, fn=fn, **values)
    setattr(fn, STEP_ATTR, spec)
    return fn


def _parse_option(fn: Any, option: str, raw: Any) -> Any:
    if option in _PARSERS:
        return _PARSERS[option](raw)
    if option == "io_handler":
        return resolve_handler_name(raw)
    if option == "input_mode":
        return parse_input_mode(raw, fn)
    if option == "image":
        if raw is not None and (not isinstance(raw, str) or not raw.strip() or " " in raw):
            raise OptionValueError("expected an image reference like 'ghcr.io/org/img:1.0'")
        return raw
    if option == "cache":
        if not isinstance(raw, bool):
            raise OptionValueError("expected True or False")
        return raw
    raise OptionValueError(f"unhandled option {option}")  # pragma: no cover - guarded above


def resolve_handler_name(raw: Any) -> str | None:
    """Resolve an ``io_handler`` option (name or handler object) to a registered name."""
    if raw is None:
        return None
    from axl.io import get_handler

    try:
        name: str = get_handler(raw).name
    except Exception as exc:  # the registry explains what is wrong
        raise OptionValueError(str(exc)) from None
    return name


def parse_input_mode(raw: Any, fn: Any | None = None) -> str | dict[str, str] | None:
    """Check an ``input_mode`` option: a mode or a mapping of argument to mode."""
    if raw is None:
        return None
    if isinstance(raw, str):
        if raw not in INPUT_MODES:
            raise OptionValueError(
                f"expected one of {INPUT_MODES} or a mapping of argument to mode"
            )
        return raw
    if isinstance(raw, Mapping):
        params = set(_signature(fn).parameters) - {"self"} if fn is not None else None
        out: dict[str, str] = {}
        for arg, mode in raw.items():
            if params is not None and arg not in params:
                raise OptionValueError(f"{arg!r} is not a parameter of the step")
            if mode not in INPUT_MODES:
                raise OptionValueError(f"mode of {arg!r} must be one of {INPUT_MODES}")
            out[arg] = mode
        return out
    raise OptionValueError(f"expected one of {INPUT_MODES} or a mapping of argument to mode")


def _check_signature(fn: Any) -> None:
    name = fn.__name__
    params = list(_signature(fn).parameters.values())
    if not params or params[0].kind not in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    ):
        raise WorkflowDefinitionError(
            f"step {name!r} must take self as its first parameter", step=name
        )
    for param in params[1:]:
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise WorkflowDefinitionError(
                f"step {name!r}: parameter {param.name!r} is variadic; steps take named parameters",
                hint="list each input as its own parameter",
                step=name,
            )
        if param.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise WorkflowDefinitionError(
                f"step {name!r}: parameter {param.name!r} is positional-only",
                hint="remove the '/' marker; inputs are passed by name",
                step=name,
            )
