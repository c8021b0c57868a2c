"""``axl.dataclass_fast.dataclass`` behaves as ``dataclasses.dataclass`` with the same options.

Each example is one class written as source, made once by each decorator in
its own module; every behaviour a caller can see is compared: whether the
class can be made, ``__init__``'s signature, what construction gives or
raises, ``repr``, equality, hash, assignment to a frozen instance,
``replace``, ``asdict``, ``fields``, ``__match_args__``, ``__slots__`` and
pickling.
"""

from __future__ import annotations

import dataclasses
import inspect
import pickle
import re
import sys
import types
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axl import dataclass_fast

FIELD = st.fixed_dictionaries(
    {
        "default": st.sampled_from(["none", "value", "factory"]),
        "init": st.booleans(),
        "repr": st.booleans(),
        "compare": st.booleans(),
        "kw_only": st.booleans(),
    }
)
OPTIONS = st.fixed_dictionaries(
    {
        "init": st.booleans(),
        "repr": st.booleans(),
        "eq": st.booleans(),
        "frozen": st.booleans(),
        "slots": st.booleans(),
        "kw_only": st.booleans(),
    }
)


def class_source(options: dict[str, bool], fields: list[dict[str, Any]], post_init: bool) -> str:
    flags = ", ".join(f"{name}={value}" for name, value in options.items())
    lines = ["from dataclasses import field", f"@decorator({flags})", "class C:"]
    for i, spec in enumerate(fields):
        default = {"none": "", "value": f"default={i * 10}, ", "factory": "default_factory=list, "}
        lines.append(
            f"    f{i}: Any = field({default[spec['default']]}init={spec['init']}, "
            f"repr={spec['repr']}, compare={spec['compare']}, kw_only={spec['kw_only']})"
        )
    if post_init:
        lines += [
            "    def __post_init__(self):",
            "        if getattr(self, 'f0', None) == -1:",
            "            raise ValueError('f0 is -1')",
        ]
    if len(lines) == 3:
        lines.append("    pass")
    return "\n".join(lines)


def make(source: str, decorator: Any, name: str) -> Any:
    module = types.ModuleType(name)
    module.__dict__.update(decorator=decorator, Any=Any)
    sys.modules[name] = module  # dataclasses looks its module up
    try:
        exec(source, module.__dict__)
    finally:
        del sys.modules[name]
    return module.C


def outcome(call: Any) -> Any:
    """What a call gives, or the type of what it raises."""
    try:
        return ("ok", call())
    except Exception as exc:  # noqa: BLE001 - the type is what is compared
        return ("raised", type(exc))


def signature(cls: Any) -> list[tuple[str, Any, bool]]:
    params = list(inspect.signature(cls).parameters.values())
    return [(p.name, p.kind, p.default is inspect.Parameter.empty) for p in params]


def arguments(cls: Any, base: int) -> tuple[list[Any], dict[str, Any]]:
    args, kwargs = [], {}
    for p in inspect.signature(cls).parameters.values():
        if p.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[p.name] = base + len(kwargs)
        else:
            args.append(base + len(args) + 100)
    return args, kwargs


def state(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name, "<unset>") for f in dataclasses.fields(obj)}


def behaviour(cls: Any) -> dict[str, Any]:
    """Everything compared, as plain data (instances shown by repr or fields)."""
    seen: dict[str, Any] = {
        "fields": [f.name for f in dataclasses.fields(cls)],
        "match_args": getattr(cls, "__match_args__", None),
        "slots": getattr(cls, "__slots__", None),
        "hashable": cls.__hash__ is not None,
        "signature": signature(cls),
    }
    args, kwargs = arguments(cls, 1)
    one = outcome(lambda: cls(*args, **kwargs))
    same = outcome(lambda: cls(*args, **kwargs))
    other = outcome(lambda: cls(*arguments(cls, 7)[0], **arguments(cls, 7)[1]))
    seen["made"] = one[0]
    if one[0] != "ok":
        seen["error"] = one[1]
        return seen
    a, b, c = one[1], same[1], other[1]
    seen["state"] = state(a)
    seen["repr"] = outcome(lambda: re.sub(r"\w+_module\.|0x[0-9a-f]+", "", repr(a)))
    seen["equal"] = [outcome(lambda: a == b), outcome(lambda: a == c), a == object()]
    seen["unequal"] = outcome(lambda: a != b)
    by_identity = cls.__hash__ is object.__hash__
    seen["hash"] = by_identity or (outcome(lambda: hash(a) == hash(b)), outcome(lambda: hash(a)))
    names = [f.name for f in dataclasses.fields(cls)]
    if names:
        seen["assign"] = outcome(lambda: setattr(a, names[0], 5))
        seen["delete"] = outcome(lambda: delattr(b, names[0]))
    # Another name: only whether it is refused (3.11's own methods for a frozen slotted
    # class raise TypeError from super() there, a bug; this module raises FrozenInstanceError).
    seen["assign_other"] = outcome(lambda: setattr(a, "zz", 5))[0]
    seen["replace"] = outcome(lambda: state(dataclasses.replace(c)))
    seen["asdict"] = outcome(lambda: dataclasses.asdict(c))
    seen["pickled"] = outcome(lambda: state(pickle.loads(pickle.dumps(c))))
    seen["post_init"] = outcome(lambda: state(cls(*([-1] + args[1:]), **kwargs)) if args else None)
    return seen


@settings(max_examples=400, deadline=None)
@given(options=OPTIONS, fields=st.lists(FIELD, max_size=4), post_init=st.booleans())
def test_every_behaviour_matches_dataclasses(
    options: dict[str, bool], fields: list[dict[str, Any]], post_init: bool
):
    source = class_source(options, fields, post_init)
    made = outcome(lambda: make(source, dataclasses.dataclass, "std_module"))
    fast = outcome(lambda: make(source, dataclass_fast.dataclass, "fast_module"))
    assert made[0] == fast[0], source
    if made[0] == "raised":
        assert made[1] is fast[1], source
        return
    assert behaviour(fast[1]) == behaviour(made[1]), source


def test_a_class_defining_its_own_methods_keeps_them():
    @dataclass_fast.dataclass(frozen=True)
    class Own:
        x: int

        def __repr__(self) -> str:
            return "mine"

        def __eq__(self, other: object) -> bool:
            return True

        def __hash__(self) -> int:
            return 7

    assert repr(Own(1)) == "mine"
    assert Own(1) == Own(2)
    assert hash(Own(1)) == 7


def test_options_it_does_not_implement_are_refused():
    with pytest.raises(TypeError, match="InitVar"):

        @dataclass_fast.dataclass
        class WithInitVar:
            x: dataclasses.InitVar[int]

    with pytest.raises(TypeError, match="__setattr__"):

        @dataclass_fast.dataclass(frozen=True)
        class OwnSetattr:
            x: int

            def __setattr__(self, name: str, value: Any) -> None:
                pass


def test_frozen_and_mutable_dataclasses_do_not_mix():
    @dataclass_fast.dataclass(frozen=True)
    class Frozen:
        x: int

    with pytest.raises(TypeError, match="non-frozen dataclass from a frozen one"):

        @dataclass_fast.dataclass
        class Thawed(Frozen):
            y: int = 0

    @dataclass_fast.dataclass(frozen=True, slots=True)
    class Child(Frozen):
        y: int = 0

    @dataclass_fast.dataclass(frozen=True, slots=True)
    class Grandchild(Child):
        z: int = 0

    child = Grandchild(1, 2, 3)
    assert (child.x, child.y, child.z) == (1, 2, 3)
    assert (Child.__slots__, Grandchild.__slots__) == (("x", "y"), ("z",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        child.y = 3  # type: ignore[misc]


def test_dataclasses_own_decorator_takes_one_of_these_as_a_base():
    @dataclass_fast.dataclass(frozen=True, slots=True)
    class Base:
        x: int

    @dataclasses.dataclass(frozen=True)
    class Derived(Base):
        y: int = 0

    assert (Base.__dataclass_params__.frozen, Base.__dataclass_params__.eq) == (True, True)
    assert Derived(1, 2) == Derived(1, 2)
    assert (
        repr(Derived(1))
        == "test_dataclasses_own_decorator_takes_one_of_these_as_a_base.<locals>.Derived(x=1, y=0)"
    )
    with pytest.raises(TypeError, match="non-frozen dataclass from a frozen one"):

        @dataclasses.dataclass
        class Thawed(Base):
            y: int = 0
