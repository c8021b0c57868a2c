"""Symbolic references used inside an explicit ``graph()``.

Calling a step inside ``graph()`` does not run it: it returns an
:class:`OutputRef` naming the step, which can be passed to other steps.
``self.params.x`` inside ``graph()`` is a :class:`ParamRef`.
"""

from __future__ import annotations

from typing import NoReturn

from axl.dataclass_fast import dataclass
from axl.errors import GraphError


class _Symbolic:
    """Refuses the Python operations that would need a real value at graph-build time."""

    __slots__ = ()

    def _refuse(self, what: str) -> NoReturn:
        raise GraphError(
            f"{self!r} is symbolic inside graph(): it has no value yet, so it cannot be {what}",
            hint="pass it to another step, or use @step(when=...) for conditions",
        )

    def __bool__(self) -> bool:  # noqa: PLE0304 - always raises
        self._refuse("tested with if/and/or")

    def __iter__(self) -> NoReturn:
        self._refuse("unpacked or iterated; return one value per step")

    def __len__(self) -> int:  # noqa: PLE0303 - always raises
        self._refuse("measured with len()")


@dataclass(frozen=True, slots=True)
class OutputRef(_Symbolic):
    """The (future) output of a step, as returned by a step call inside ``graph()``."""

    step: str

    def __repr__(self) -> str:
        return f"OutputRef({self.step!r})"


@dataclass(frozen=True, slots=True)
class ParamRef(_Symbolic):
    """A workflow parameter, as read inside ``graph()`` via ``self.params``."""

    name: str

    def __repr__(self) -> str:
        return f"ParamRef({self.name!r})"
