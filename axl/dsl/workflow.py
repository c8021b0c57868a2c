"""The ``Workflow`` base class and the ``@workflow`` class decorator."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any, ClassVar, TypeVar, overload

from axl.dataclass_fast import dataclass
from axl.dsl.options import OptionValueError, Secret, parse_env, parse_packages
from axl.dsl.params import ParamsView, declared_params, resolve_params
from axl.dsl.step import StepSpec, get_step_spec, parse_input_mode, resolve_handler_name
from axl.errors import StepOptionError, WorkflowDefinitionError
from axl.naming import MAX_NAME, is_name

W = TypeVar("W", bound=type)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

WORKFLOW_OPTIONS = (
    "name",
    "image",
    "io_handler",
    "input_mode",
    "namespace",
    "service_account",
    "env",
    "requirements",
    "requirements_file",
    "use_lockfile",
    "warm_env",
    "cache_store",
    "outputs",
)
RESERVED_NAMES = frozenset({*WORKFLOW_OPTIONS, "graph", "Params", "steps", "lost_steps"})


def default_workflow_name(class_name: str) -> str:
    """``IrisKNN`` -> ``iris-knn``: a DNS-1123 name derived from the class name."""
    words = _CAMEL.sub("-", class_name).replace("_", "-").lower()
    cleaned = re.sub(r"[^a-z0-9-]+", "-", words).strip("-")
    name = re.sub(r"-{2,}", "-", cleaned)[:MAX_NAME].strip("-") or "workflow"
    return name if name[0].isalpha() else f"workflow-{name}"[:MAX_NAME].rstrip("-")


@dataclass(frozen=True)
class LostStep:
    """An inherited step that a subclass overrode with an attribute that is not a step.

    That removes the step (on purpose, sometimes); a step that still reads it
    is told so, rather than that nothing produces its input.
    """

    name: str
    attribute: str  # "Sub.load": what replaced it
    step: str  # "Base.load": the step it replaced

    def explain(self) -> str:
        """Why ``name`` is not a step, for the middle of an error message."""
        return (
            f"{self.attribute} overrides step {self.name!r} ({self.step}) without @step, "
            "so it is no longer a step"
        )

    def hint(self) -> str:
        """How to keep the step."""
        return f"decorate {self.attribute} with @step, with the options {self.step} had"


class Workflow:
    """Base class of every axl workflow.

    Subclass it, set the class attributes you need, and mark methods with
    ``@step``. Edges come from the step signatures, or from an explicit
    ``graph()`` method that calls steps symbolically.

    Class attributes:
        name: the workflow's name (DNS-1123; default: derived from the class name).
        image: default container image for Kubernetes backends.
        io_handler: default IO handler of step outputs (default ``"pickle"``).
        input_mode: default input mode, ``"object"`` or ``"path"``.
        namespace, service_account: Kubernetes defaults.
        env: environment variables for every step (values may be ``Secret``).
        requirements: requirement strings every step needs.
        requirements_file: a requirements file, relative to the project folder, that
            ``axl build-image`` installs into the workflow's image.
        use_lockfile: how ``axl build-image`` picks the image's dependencies: ``True``,
            the project's ``pyproject.toml`` and ``uv.lock`` (an error without them);
            ``False``, the requirements; ``None`` (default), the lock when there is one.
        warm_env: with the ``install`` packages policy, run a first step that installs
            every step's missing packages into the shared env cache (and, on a cluster,
            uploads each env next to the code archive), so the steps start without
            installing (default ``False``).
        cache_store: where ``cache=True`` steps keep their results: a folder or
            ``s3://BUCKET/PREFIX`` (default: ``<workspace>/cache`` locally);
            ``--cache-store`` overrides it.
        outputs: names of the steps whose results are the workflow's results.
    """

    name: ClassVar[str] = ""
    image: ClassVar[str | None] = None
    io_handler: ClassVar[Any] = "pickle"
    input_mode: ClassVar[str] = "object"
    namespace: ClassVar[str | None] = None
    service_account: ClassVar[str | None] = None
    env: ClassVar[Mapping[str, Any]] = {}
    requirements: ClassVar[list[str] | tuple[str, ...]] = ()
    requirements_file: ClassVar[str | None] = None
    use_lockfile: ClassVar[bool | None] = None
    warm_env: ClassVar[bool] = False
    cache_store: ClassVar[str | None] = None
    outputs: ClassVar[list[str] | tuple[str, ...]] = ()

    __axl_steps__: ClassVar[dict[str, StepSpec]] = {}
    __axl_lost_steps__: ClassVar[dict[str, LostStep]] = {}
    __axl_name_derived__: ClassVar[bool] = False
    params: ParamsView

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _configure(cls)

    def __init__(self, params: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        merged = {**(params or {}), **kwargs}
        # An instance attribute, so it shadows a step that is itself named ``params``.
        object.__setattr__(self, "params", resolve_params(type(self), merged))

    @classmethod
    def steps(cls) -> dict[str, StepSpec]:
        """The workflow's steps in definition order (inherited steps first)."""
        return dict(cls.__axl_steps__)

    @classmethod
    def lost_steps(cls) -> dict[str, LostStep]:
        """Inherited steps that a subclass overrode without ``@step``, by name."""
        return dict(cls.__axl_lost_steps__)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(params={dict(self.params)!r})"


def _configure(cls: type[Workflow]) -> None:
    """Validate the class-level options and collect the steps of a workflow class."""
    label = cls.__qualname__
    if _name_is_derived(cls):
        cls.name = default_workflow_name(cls.__name__)
        cls.__axl_name_derived__ = True
    elif not isinstance(cls.name, str) or not is_name(cls.name):
        raise StepOptionError(
            f"workflow {label}: name {cls.name!r} must be lower-case letters, digits and '-', "
            f"starting with a letter (at most {MAX_NAME} characters)",
            hint=f"e.g. name = {default_workflow_name(str(cls.name) or cls.__name__)!r}",
            option="name",
        )
    steps: dict[str, StepSpec] = {}
    defined_in: dict[str, str] = {}
    lost: dict[str, LostStep] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            spec = get_step_spec(value)
            if spec is None:
                if attr in steps and klass is not object:
                    # Overridden without @step: the subclass removed the step.
                    del steps[attr]
                    lost[attr] = LostStep(attr, f"{_short_name(klass)}.{attr}", defined_in[attr])
                continue
            lost.pop(attr, None)
            defined_in[attr] = f"{_short_name(klass)}.{attr}"
            if attr != spec.name:
                raise WorkflowDefinitionError(
                    f"workflow {label}: step {spec.name!r} is bound to attribute {attr!r}",
                    hint="define each step under its own name",
                    step=spec.name,
                )
            if attr in RESERVED_NAMES:
                raise WorkflowDefinitionError(
                    f"workflow {label}: a step cannot be named {attr!r} (a reserved attribute)",
                    hint="rename the step",
                    step=attr,
                )
            steps[attr] = spec
    for option, check in _WORKFLOW_CHECKS.items():
        raw = getattr(cls, option)
        try:
            value = check(raw)
        except OptionValueError as exc:
            raise StepOptionError(
                f"workflow {label}: invalid option {option}={raw!r}: {exc}", option=option
            ) from None
        setattr(cls, option, value)
    if cls.use_lockfile and cls.requirements_file is not None:
        raise StepOptionError(
            f"workflow {label}: use_lockfile=True and requirements_file="
            f"{cls.requirements_file!r} both say where the dependencies come from",
            hint="keep one: the lock (pyproject.toml + uv.lock) or the requirements file",
            option="use_lockfile",
        )
    declared_params(cls)
    cls.__axl_steps__ = steps
    cls.__axl_lost_steps__ = lost


def _short_name(cls: type) -> str:
    """``Outer.Inner`` for messages, without the ``f.<locals>.`` of a class made in a function."""
    return cls.__qualname__.rpartition("<locals>.")[2]


def _name_is_derived(cls: type) -> bool:
    """True when no class in the hierarchy set ``name`` explicitly (so derive it)."""
    for klass in cls.__mro__:
        if klass is Workflow:
            return True
        if "name" in klass.__dict__:
            return bool(klass.__dict__.get("__axl_name_derived__")) or not klass.__dict__["name"]
    return True


def _check_string(raw: Any) -> str | None:
    if raw is not None and (not isinstance(raw, str) or not raw.strip()):
        raise OptionValueError("expected text")
    return raw


def _check_requirements_file(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise OptionValueError("expected a file path relative to the project folder")
    path = PurePosixPath(raw.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts:
        raise OptionValueError("the path must be relative and stay inside the project folder")
    return path.as_posix()


def _check_use_lockfile(raw: Any) -> bool | None:
    if raw is not None and not isinstance(raw, bool):
        raise OptionValueError("expected True, False or None")
    return raw


def _check_warm_env(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise OptionValueError("expected True or False")
    return raw


def check_cache_store(raw: Any) -> str | None:
    """A cache store: None, ``s3://BUCKET[/PREFIX]``, or a folder path.

    Raises:
        OptionValueError: anything else.
    """
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip() or "\x00" in raw:
        raise OptionValueError("expected a folder or s3://BUCKET/PREFIX")
    if "://" in raw:
        bucket = raw.removeprefix("s3://").partition("/")[0]
        if not raw.startswith("s3://") or not bucket:
            raise OptionValueError("a store URL is s3://BUCKET/PREFIX (or give a folder)")
    return raw


def _check_outputs(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        return (raw,)
    if not isinstance(raw, list | tuple) or not all(isinstance(x, str) for x in raw):
        raise OptionValueError("expected a list of step names")
    return tuple(raw)


def _check_env(raw: Any) -> dict[str, str | Secret]:
    return parse_env(raw)


def _check_input_mode(raw: Any) -> str:
    mode = parse_input_mode(raw)
    if not isinstance(mode, str):
        raise OptionValueError("a workflow-wide input_mode is 'object' or 'path'")
    return mode


def _check_handler(raw: Any) -> str:
    name = resolve_handler_name(raw)
    if name is None:
        raise OptionValueError("expected a handler name such as 'pickle'")
    return name


_WORKFLOW_CHECKS: dict[str, Callable[[Any], Any]] = {
    "image": _check_string,
    "namespace": _check_string,
    "service_account": _check_string,
    "io_handler": _check_handler,
    "input_mode": _check_input_mode,
    "env": _check_env,
    "requirements": lambda raw: parse_packages(list(raw) if isinstance(raw, tuple) else raw),
    "requirements_file": _check_requirements_file,
    "use_lockfile": _check_use_lockfile,
    "warm_env": _check_warm_env,
    "cache_store": check_cache_store,
    "outputs": _check_outputs,
}


@overload
def workflow(cls: W, /) -> W: ...


@overload
def workflow(cls: None = None, /, **options: Any) -> Callable[[W], W]: ...


def workflow(cls: Any = None, /, **options: Any) -> Any:
    """Class decorator: ``@workflow`` or ``@workflow(name=..., image=..., ...)``.

    Works on a ``Workflow`` subclass (it sets the options) and on a plain
    class (it returns a ``Workflow`` subclass with the same name and steps).
    """
    unknown = sorted(set(options) - set(WORKFLOW_OPTIONS))
    if unknown:
        raise StepOptionError(
            f"@workflow: unknown option(s) {', '.join(unknown)}",
            hint=f"options are: {', '.join(WORKFLOW_OPTIONS)}",
        )

    def decorate(target: Any) -> Any:
        if not isinstance(target, type):
            raise WorkflowDefinitionError("@workflow decorates a class")
        if issubclass(target, Workflow):
            for key, value in options.items():
                setattr(target, key, value)
            if "name" in options:
                target.__axl_name_derived__ = False
            _configure(target)
            return target
        namespace = {
            "__module__": target.__module__,
            "__qualname__": target.__qualname__,
            "__doc__": target.__doc__,
            **options,
        }
        return type(target.__name__, (target, Workflow), namespace)

    if cls is not None:
        return decorate(cls)
    return decorate
