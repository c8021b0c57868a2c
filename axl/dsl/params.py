"""Workflow parameters: declaration (``Param`` or a pydantic model), parsing and validation.

A workflow declares its parameters in one of two ways::

    class Train(Workflow):
        k = Param(5, help="neighbours")          # typed from the default
        mode: str = Param("fast")                 # or from the annotation

    class Train(Workflow):
        class Params(BaseModel):                  # a pydantic model
            k: int = 5

Without a declaration the workflow takes any parameters as given. Inside a
step they are ``self.params`` (a read-only mapping, also ``self.params.k``);
a ``Param`` attribute also reads as ``self.k``.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axl.errors import ParamsError, WorkflowDefinitionError

if TYPE_CHECKING:
    from pydantic import BaseModel

_MISSING: Any = object()


class Param:
    """A declared workflow parameter with an optional default, type and help text."""

    def __init__(
        self,
        default: Any = _MISSING,
        *,
        type: Any = None,
        help: str | None = None,
        choices: list[Any] | tuple[Any, ...] | None = None,
    ) -> None:
        self.default = default
        self.type = type
        self.help = help
        self.choices = tuple(choices) if choices is not None else None
        self.name = ""

    @property
    def required(self) -> bool:
        """True when the parameter has no default."""
        return self.default is _MISSING

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        if self.type is None:
            annotation = inspect.get_annotations(owner).get(name)
            if isinstance(annotation, type):
                self.type = annotation
            elif not self.required and self.default is not None:
                self.type = type(self.default)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return instance.params[self.name]

    def __repr__(self) -> str:
        default = "required" if self.required else repr(self.default)
        return f"Param({self.name!r}, {default})"


class ParamsView(Mapping[str, Any]):
    """The read-only parameter mapping a workflow instance exposes as ``self.params``."""

    __slots__ = ("_model", "_values")

    def __init__(self, values: Mapping[str, Any], model: BaseModel | None = None) -> None:
        self._values = dict(values)
        self._model = model

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            known = ", ".join(sorted(self._values)) or "none"
            raise KeyError(f"no parameter {key!r} (parameters: {known})") from None

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"ParamsView({self._values!r})"

    @property
    def model(self) -> BaseModel | None:
        """The validated pydantic model instance, when the workflow declares one."""
        return self._model

    def to_dict(self) -> dict[str, Any]:
        """A plain ``dict`` copy."""
        return dict(self._values)


@dataclass(frozen=True)
class ParamDecl:
    """One declared parameter as the IR records it."""

    name: str
    type_name: str | None
    default: Any
    required: bool
    help: str | None = None
    choices: tuple[Any, ...] | None = None


def declared_params(cls: type) -> tuple[dict[str, Param], type[BaseModel] | None]:
    """The ``Param`` attributes and the pydantic ``Params`` model a workflow class declares."""
    params: dict[str, Param] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Param):
                params[name] = value
    model = getattr(cls, "Params", None)
    if model is not None:
        from pydantic import BaseModel

        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise WorkflowDefinitionError(
                f"workflow {cls.__name__}: 'Params' must be a pydantic BaseModel subclass",
                hint="declare `class Params(BaseModel): ...` or use Param(...) attributes",
            )
        if params:
            raise WorkflowDefinitionError(
                f"workflow {cls.__name__}: declare params with Param attributes or a Params "
                "model, not both",
            )
    return params, model


def param_decls(cls: type) -> list[ParamDecl]:
    """Declared parameters of a workflow class, in declaration order."""
    params, model = declared_params(cls)
    if model is not None:
        decls = []
        for name, info in model.model_fields.items():
            required = info.is_required()
            default = (
                None if required else _json_default(info.get_default(call_default_factory=True))
            )
            decls.append(
                ParamDecl(
                    name=name,
                    type_name=type_name(info.annotation),
                    default=default,
                    required=required,
                    help=info.description,
                )
            )
        return decls
    return [
        ParamDecl(
            name=name,
            type_name=type_name(p.type) if p.type is not None else None,
            default=None if p.required else _json_default(p.default),
            required=p.required,
            help=p.help,
            choices=p.choices,
        )
        for name, p in params.items()
    ]


def type_name(tp: Any) -> str:
    """A stable text form of a type annotation."""
    if isinstance(tp, type) and not getattr(tp, "__args__", None):
        if tp.__module__ == "builtins":
            return tp.__qualname__
        return f"{tp.__module__}.{tp.__qualname__}"
    return str(tp).replace("typing.", "")


def _json_default(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)
    return value


def resolve_params(cls: type, given: Mapping[str, Any] | None) -> ParamsView:
    """Validate the parameters given to a workflow against its declaration."""
    given = dict(given or {})
    params, model = declared_params(cls)
    workflow = getattr(cls, "name", cls.__name__)
    if model is not None:
        from pydantic import ValidationError

        try:
            instance = model.model_validate(given)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "params"
            raise ParamsError(
                f"workflow {workflow!r}: param {where}: {first['msg']}",
                hint=f"{len(exc.errors())} problem(s); see the Params model of {cls.__name__}",
                workflow=workflow,
            ) from None
        return ParamsView(instance.model_dump(), instance)
    if not params:
        return ParamsView(given)
    unknown = sorted(set(given) - set(params))
    if unknown:
        raise ParamsError(
            f"workflow {workflow!r}: unknown param(s) {', '.join(unknown)}",
            hint=f"declared params: {', '.join(params) or 'none'}",
            workflow=workflow,
        )
    values: dict[str, Any] = {}
    for name, decl in params.items():
        if name in given:
            values[name] = _coerce(workflow, decl, given[name])
        elif decl.required:
            raise ParamsError(
                f"workflow {workflow!r}: missing required param {name!r}",
                hint=f"pass --param {name}=VALUE or put it in the --params file",
                workflow=workflow,
            )
        else:
            values[name] = decl.default
    return ParamsView(values)


def _coerce(workflow: str, decl: Param, value: Any) -> Any:
    tp = decl.type
    out = value
    if tp in (int, float, bool, str) and not isinstance(value, tp):
        out = _convert_scalar(workflow, decl.name, tp, value)
    if tp is int and isinstance(out, bool):
        out = _convert_scalar(workflow, decl.name, tp, value)
    if decl.choices is not None and out not in decl.choices:
        raise ParamsError(
            f"workflow {workflow!r}: param {decl.name!r}={out!r} "
            f"is not one of {list(decl.choices)}",
            workflow=workflow,
        )
    return out


def _convert_scalar(workflow: str, name: str, tp: type, value: Any) -> Any:
    problem = ParamsError(
        f"workflow {workflow!r}: param {name!r} expects {tp.__name__}, got {value!r}",
        workflow=workflow,
    )
    if tp is bool:
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "on"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "no", "0", "off"):
            return False
        raise problem
    if tp is str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise problem
    if isinstance(value, bool):
        raise problem
    try:
        if tp is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise problem
                return int(value)
            return int(value)
        number = float(value)
    except (TypeError, ValueError):
        raise problem from None
    if not math.isfinite(number):
        raise problem
    return number


# --- reading params from the command line -------------------------------------------


def parse_param_value(text: str) -> Any:
    """A ``--param k=v`` value: JSON when it parses (numbers, true/false, null, lists,
    objects), otherwise the text itself. The runner in a pod parses the same way."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def load_params_file(path: Path) -> dict[str, Any]:
    """Read a ``--params`` file (YAML or JSON); it must hold a mapping."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParamsError(
            f"cannot read params file {path}: {exc.strerror or exc}",
            hint="pass an existing YAML or JSON file",
        ) from None
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ParamsError(
            f"params file {path}{where} is not valid YAML/JSON",
            hint="fix the syntax; a params file is a mapping of name to value",
        ) from None
    if not isinstance(data, dict):
        raise ParamsError(
            f"params file {path} must hold a mapping of name to value, not {type(data).__name__}"
        )
    return {str(k): v for k, v in data.items()}


def merge_cli_params(params_file: Path | None, pairs: list[str] | None) -> dict[str, Any]:
    """Params from ``--params FILE`` overridden by ``--param key=value`` flags."""
    values = load_params_file(params_file) if params_file is not None else {}
    for pair in pairs or ():
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParamsError(f"--param {pair!r} is not key=value", hint="write --param name=value")
        values[key] = parse_param_value(text)
    return values
