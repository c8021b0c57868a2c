"""``dataclass``: the standard decorator, its methods made without compiling each one.

Python 3.11's :mod:`dataclasses` writes every method it adds (``__init__``,
``__repr__``, ``__eq__``, ``__hash__``, a frozen class's ``__setattr__`` and
``__delattr__``) as source text and compiles it: about 1 ms a class, which
made defining the IR, manifest and run-record classes the largest part of
every command's start. Here :mod:`dataclasses` still collects and checks the
fields (so :func:`dataclasses.fields`, :func:`~dataclasses.replace`,
:func:`~dataclasses.asdict` and :func:`~dataclasses.is_dataclass` work as
ever), only ``__init__`` is compiled, and the other methods are shared
functions that behave as the generated ones do (same ``repr`` text, same
equality and hash, :class:`~dataclasses.FrozenInstanceError`, pickling of
frozen slotted classes). A class defining one of them keeps its own.

Options it does not implement raise ``TypeError`` (``order``,
``unsafe_hash``, ``InitVar`` fields): use :func:`dataclasses.dataclass` there.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import MISSING, FrozenInstanceError
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")


class _Factory:
    """The default of an ``__init__`` argument whose field has a ``default_factory``."""

    def __repr__(self) -> str:
        return "<factory>"  # as dataclasses shows it in a signature


_FACTORY = _Factory()


@overload
def dataclass(cls: type[_T], /) -> type[_T]: ...


@overload
def dataclass(
    *,
    init: bool = True,
    repr: bool = True,
    eq: bool = True,
    frozen: bool = False,
    slots: bool = False,
    kw_only: bool = False,
) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def dataclass(
    cls: type[_T] | None = None,
    /,
    *,
    init: bool = True,
    repr: bool = True,
    eq: bool = True,
    frozen: bool = False,
    slots: bool = False,
    kw_only: bool = False,
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """Make ``cls`` a dataclass, as :func:`dataclasses.dataclass` with these options does."""

    def wrap(cls: type[_T]) -> type[_T]:
        made: type[_T] = _process(cls, init, repr, eq, frozen, slots, kw_only)
        return made

    return wrap if cls is None else wrap(cls)


def _process(
    cls: Any, init: bool, repr: bool, eq: bool, frozen: bool, slots: bool, kw_only: bool
) -> Any:
    own = cls.__dict__
    if frozen and ("__setattr__" in own or "__delattr__" in own):
        name = "__setattr__" if "__setattr__" in own else "__delattr__"
        raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    class_hash = own.get("__hash__", MISSING)
    explicit_hash = not (class_hash is MISSING or (class_hash is None and "__eq__" in own))
    missing_doc = not cls.__doc__
    if missing_doc:  # dataclasses would read the signature with inspect, before there is one
        cls.__doc__ = cls.__name__
    # Beside a dataclass base, dataclasses checks that frozen matches (its two methods are
    # replaced below); elsewhere it is told nothing it would write a method for.
    based = any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:])
    cls = dataclasses.dataclass(
        cls, init=False, repr=False, eq=False, frozen=frozen and based, kw_only=kw_only
    )
    params = cls.__dataclass_params__
    params.init, params.repr, params.eq, params.frozen = init, repr, eq, frozen
    fields = list(dataclasses.fields(cls))  # without ClassVar and InitVar pseudo-fields
    if any("InitVar" in str(f.type) for f in cls.__dataclass_fields__.values()):
        raise TypeError(f"{cls.__name__}: InitVar fields need dataclasses.dataclass")
    if init and "__init__" not in own:
        cls.__init__ = _init_fn(cls, fields, frozen, slots)
    if missing_doc:
        cls.__doc__ = _signature_doc(cls, fields) if init else None
    if slots:
        cls = _with_slots(cls, fields, frozen)
    shown = tuple(f.name for f in fields if f.repr)
    compared = tuple(f.name for f in fields if f.compare)
    hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
    methods: dict[str, Any] = {}
    if repr:
        methods["__repr__"] = _repr_fn(shown)
    if eq:
        methods["__eq__"] = _eq_fn(compared)
    for name, method in methods.items():
        if name not in own:
            method.__qualname__ = f"{cls.__qualname__}.{name}"
            setattr(cls, name, method)
    if eq and not explicit_hash:
        cls.__hash__ = _hash_fn(hashed) if frozen else None
    if frozen:
        cls.__setattr__ = _frozen_setattr(cls, fields)
        cls.__delattr__ = _frozen_delattr(cls, fields)
    return cls


def _init_fn(cls: type, fields: list[dataclasses.Field[Any]], frozen: bool, slots: bool) -> Any:
    """``__init__``, compiled from source as :mod:`dataclasses` writes it (the one method
    that must be: a generic one would cost each instance several times as much)."""
    names: dict[str, Any] = {"__object_setattr": object.__setattr__, "__FACTORY": _FACTORY}
    positional, keywords, body = [], [], []
    seen_default = False
    for f in fields:
        default = f"__default_{f.name}"
        factory = f"__factory_{f.name}"
        if f.default is not MISSING:
            names[default] = f.default
        if f.default_factory is not MISSING:
            names[factory] = f.default_factory
        if f.init:
            if f.default is not MISSING:
                arg = f"{f.name}={default}"
            elif f.default_factory is not MISSING:
                arg = f"{f.name}=__FACTORY"
            else:
                arg = f.name
                if seen_default and not f.kw_only:
                    raise TypeError(f"non-default argument {f.name!r} follows default argument")
            if f.kw_only:
                keywords.append(arg)
            else:
                seen_default = seen_default or arg != f.name
                positional.append(arg)
            value = f.name
            if f.default_factory is not MISSING:
                value = f"{factory}() if {f.name} is __FACTORY else {f.name}"
        elif f.default_factory is not MISSING:
            value = f"{factory}()"
        elif f.default is not MISSING and slots:
            value = default
        else:  # the class attribute holds the default (without slots), or __post_init__ sets it
            continue
        if frozen:
            body.append(f"__object_setattr(self, {f.name!r}, {value})")
        else:
            body.append(f"self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    args = ["self", *positional, *(["*", *keywords] if keywords else [])]
    source = f"def __init__({', '.join(args)}) -> None:\n    " + "\n    ".join(body or ["pass"])
    exec(source, names)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _signature_doc(cls: type, fields: list[dataclasses.Field[Any]]) -> str:
    """The docstring a class without one gets: its name and ``__init__``'s arguments."""
    args = []
    for f in fields:
        if not f.init:
            continue
        if f.default is not MISSING:
            args.append(f"{f.name}={f.default!r}")
        elif f.default_factory is not MISSING:
            args.append(f"{f.name}=<factory>")
        else:
            args.append(f.name)
    return f"{cls.__name__}({', '.join(args)})"


def _with_slots(cls: Any, fields: list[dataclasses.Field[Any]], frozen: bool) -> Any:
    """The class again, with ``__slots__`` for its fields (as ``slots=True`` makes it)."""
    own = dict(cls.__dict__)
    if "__slots__" in own:
        raise TypeError(f"{cls.__name__} already specifies __slots__")
    inherited = set(itertools.chain.from_iterable(_slot_names(base) for base in cls.__mro__[1:-1]))
    names = tuple(f.name for f in fields)
    own["__slots__"] = tuple(name for name in names if name not in inherited)
    for name in names:
        own.pop(name, None)  # class attributes holding the defaults
    own.pop("__dict__", None)
    own.pop("__weakref__", None)
    qualname = own.get("__qualname__")
    new = type(cls)(cls.__name__, cls.__bases__, own)
    if qualname is not None:
        new.__qualname__ = qualname
    if frozen:  # slots without a __dict__ are pickled through setattr, which frozen refuses
        if "__getstate__" not in own:
            new.__getstate__ = _getstate
        if "__setstate__" not in own:
            new.__setstate__ = _setstate
    return new


def _slot_names(base: type) -> tuple[str, ...]:
    slots = base.__dict__.get("__slots__", ())
    return (slots,) if isinstance(slots, str) else tuple(slots)


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=True):
        object.__setattr__(self, f.name, value)


def _values(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The named attributes of an object as a tuple (of one, or none, too)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _repr_fn(names: tuple[str, ...]) -> Callable[[Any], str]:
    getters = [(name, attrgetter(name)) for name in names]

    @recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={get(self)!r}" for name, get in getters)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _eq_fn(names: tuple[str, ...]) -> Callable[[Any, Any], Any]:
    values = _values(names)

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash_fn(names: tuple[str, ...]) -> Callable[[Any], int]:
    values = _values(names)

    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _frozen_setattr(cls: Any, fields: list[dataclasses.Field[Any]]) -> Any:
    names = frozenset(f.name for f in fields)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _frozen_delattr(cls: Any, fields: list[dataclasses.Field[Any]]) -> Any:
    names = frozenset(f.name for f in fields)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __delattr__
