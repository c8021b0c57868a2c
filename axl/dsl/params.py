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
import sys
import types
import typing
import weakref
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from axl.dataclass_fast import dataclass
from axl.errors import ParamsError, WorkflowDefinitionError
from axl.param_wire import load_params_file, merge_cli_params, parse_param_value, wire_value

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [  # the readers of flags and files live in param_wire; importable from here too
    "Param",
    "ParamDecl",
    "ParamsView",
    "declared_params",
    "load_params_file",
    "merge_cli_params",
    "param_decls",
    "parse_param_value",
    "resolve_params",
    "type_name",
    "wire_params",
]

_MISSING: Any = object()


_TYPE = type


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
        if isinstance(default, _TYPE) or typing.get_origin(default) is not None:
            shown = default.__name__ if isinstance(default, _TYPE) else repr(default)
            raise WorkflowDefinitionError(
                f"Param({shown}) makes the type {shown} the parameter's default value",
                hint=f"declare a required parameter as Param(type={shown}), "
                f"or give a default: Param(<value>, type={shown})",
            )
        self.default = default
        self.type = type
        self.help = help
        self.choices = tuple(choices) if choices is not None else None
        self.name = ""
        self._annotation: Any = None

    @property
    def required(self) -> bool:
        """True when the parameter has no default."""
        return self.default is _MISSING

    @property
    def nullable(self) -> bool:
        """True when ``None`` is a value: the default is ``None``, or the type or the
        annotation is optional (``str | None``, ``Optional[str]``). JSON ``null``
        (``--param x=null``, an Argo value ``null``) then reads as ``None``."""
        if not self.required and self.default is None:
            return True
        return _is_optional(self.type) or _is_optional(self._annotation)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        annotation = _class_annotation(owner, name)
        self._annotation = annotation
        if self.type is None:
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


def _class_annotation(owner: type, name: str) -> Any:
    """The annotation of ``name`` in the class body, evaluated when it is a string."""
    annotation = inspect.get_annotations(owner).get(name)
    if isinstance(annotation, str):
        module = sys.modules.get(owner.__module__)
        try:
            annotation = eval(annotation, dict(vars(module)) if module else {}, dict(vars(owner)))
        except Exception:  # names defined later in the module: optionality stays unknown
            return None
    return annotation


def _is_optional(tp: Any) -> bool:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return type(None) in typing.get_args(tp)
    return False


def _non_optional(tp: Any) -> Any:
    """``str | None`` -> ``str``; any other type as it is."""
    if _is_optional(tp):
        members = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if len(members) == 1:
            return members[0]
    return tp


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


_DECLARED: weakref.WeakKeyDictionary[type, tuple[dict[str, Param], type[BaseModel] | None]]
_DECLARED = weakref.WeakKeyDictionary()


def declared_params(cls: type) -> tuple[dict[str, Param], type[BaseModel] | None]:
    """The ``Param`` attributes and the pydantic ``Params`` model a workflow class declares.

    Found once per class (every step of a run builds an instance, and a class with many
    steps has many attributes to look through); treat the dict as read-only.
    """
    known = _DECLARED.get(cls)
    if known is not None:
        return known
    found = _find_params(cls)
    _DECLARED[cls] = found
    return found


def _find_params(cls: type) -> tuple[dict[str, Param], type[BaseModel] | None]:
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
    """Validate the parameters given to a workflow against its declaration.

    Values are made JSON data first (:func:`~axl.param_wire.wire_value`),
    so a step sees the same params in every isolation mode and in every pod.
    """
    params, model = declared_params(cls)
    workflow = getattr(cls, "name", cls.__name__)
    given = wire_params(workflow, given or {})
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


def wire_params(workflow: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """The params of a run as JSON data (names are non-empty text), as every backend sees them.

    Whoever hands params to an engine or writes them into a manifest passes
    them through this first, so no isolation mode sees other values.
    """
    out: dict[str, Any] = {}
    for name, value in given.items():
        if not isinstance(name, str) or not name:
            raise ParamsError(
                f"workflow {workflow!r}: param name {name!r} is not non-empty text",
                workflow=workflow,
            )
        out[name] = wire_value(value, f"workflow {workflow!r}: param {name!r}")
    return out


def _coerce(workflow: str, decl: Param, value: Any) -> Any:
    if value is None and decl.nullable:
        return None
    tp = _non_optional(decl.type)
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
