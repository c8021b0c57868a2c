"""How well a step's return annotation fits another step's parameter annotation.

Scores (higher is a better fit; ``None`` means incompatible):

* ``EXACT`` (3): the same type.
* ``STRUCTURAL`` (2): a subclass, a matching generic (``list[int]`` for
  ``Sequence[int]``, bare ``dict`` for ``dict[str, int]``), a member of a ``Union``.
* ``LOOSE`` (1): either side is ``Any`` or unannotated.

Signature inference binds the single best-scoring earlier step.
"""

from __future__ import annotations

import types
import typing
from typing import Any

EXACT = 3
STRUCTURAL = 2
LOOSE = 1

EMPTY: Any = object()  # marks a missing annotation

_NONE_TYPES = (None, type(None))


def is_none_annotation(tp: Any) -> bool:
    """``-> None``: the step produces nothing to consume."""
    return tp in _NONE_TYPES


def _strip(tp: Any) -> Any:
    """Drop ``Annotated`` metadata and resolve ``NewType``."""
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        supertype = getattr(tp, "__supertype__", None)
        if supertype is not None:
            tp = supertype
            continue
        return tp


def _is_any(tp: Any) -> bool:
    return tp is EMPTY or tp is Any or tp is object


def _union_members(tp: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(tp)
    return None


def compatibility(param: Any, produced: Any) -> int | None:
    """Score how ``produced`` (a return annotation) fits ``param`` (a parameter annotation)."""
    param, produced = _strip(param), _strip(produced)
    if _is_any(param) or _is_any(produced):
        return LOOSE
    if param == produced:
        return EXACT
    produced_members = _union_members(produced)
    if produced_members is not None:
        scores = [compatibility(param, member) for member in produced_members]
        if any(s is None for s in scores):
            return None
        return min(s for s in scores if s is not None)
    param_members = _union_members(param)
    if param_members is not None:
        scores = [compatibility(member, produced) for member in param_members]
        best = max((s for s in scores if s is not None), default=None)
        return None if best is None else min(best, STRUCTURAL)
    return _generic_compatibility(param, produced)


def _origin(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is None:
        return tp
    return origin


def _generic_compatibility(param: Any, produced: Any) -> int | None:
    param_origin, produced_origin = _origin(param), _origin(produced)
    if not (isinstance(param_origin, type) and isinstance(produced_origin, type)):
        return EXACT if param == produced else None
    if not _is_subclass(produced_origin, param_origin):
        return None
    param_args, produced_args = typing.get_args(param), typing.get_args(produced)
    if not param_args or not produced_args:
        # A bare generic on either side (``dict`` vs ``dict[str, int]``) fits structurally.
        same = param_origin is produced_origin and not param_args and not produced_args
        return EXACT if same else STRUCTURAL
    if param_origin is tuple or produced_origin is tuple:
        return _tuple_compatibility(param_args, produced_args)
    if len(param_args) != len(produced_args):
        return STRUCTURAL
    scores = [compatibility(p, q) for p, q in zip(param_args, produced_args)]
    if any(s is None for s in scores):
        return None
    exact = param_origin is produced_origin and all(s == EXACT for s in scores)
    return EXACT if exact else STRUCTURAL


def _tuple_compatibility(param_args: tuple[Any, ...], produced_args: tuple[Any, ...]) -> int | None:
    if len(param_args) == 2 and param_args[1] is Ellipsis:
        variadic = len(produced_args) == 2 and produced_args[1] is Ellipsis
        items = produced_args[:1] if variadic else produced_args
        scores = [compatibility(param_args[0], item) for item in items]
    elif len(produced_args) == 2 and produced_args[1] is Ellipsis:
        return None  # a tuple of unknown length does not fit a fixed-length one
    elif len(param_args) != len(produced_args):
        return None
    else:
        scores = [compatibility(p, q) for p, q in zip(param_args, produced_args)]
    if any(s is None for s in scores):
        return None
    return EXACT if all(s == EXACT for s in scores) else STRUCTURAL


def _is_subclass(child: type, parent: type) -> bool:
    if parent is float and child is int:  # PEP 484's numeric tower
        return True
    if parent is complex and child in (int, float):
        return True
    try:
        return issubclass(child, parent)
    except TypeError:
        return False


def describe(tp: Any) -> str:
    """Readable text of an annotation for messages and the IR."""
    if tp is EMPTY:
        return "unannotated"
    if isinstance(tp, type) and not typing.get_args(tp):
        if tp.__module__ == "builtins":
            return tp.__qualname__
        return f"{tp.__module__}.{tp.__qualname__}"
    text = repr(tp)
    for prefix in ("typing.", "collections.abc."):
        text = text.replace(prefix, "")
    return text


__all__ = [
    "EMPTY",
    "EXACT",
    "LOOSE",
    "STRUCTURAL",
    "compatibility",
    "describe",
    "is_none_annotation",
]
