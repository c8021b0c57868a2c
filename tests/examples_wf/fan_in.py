"""Fan-out to 20 branches and fan-in: ``source`` feeds ``branch_00`` .. ``branch_19``,
whose results ``merge`` adds up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axl import Workflow, step

WIDTH = 20


def _branch(i: int) -> Callable[..., Any]:
    def branch(self: Workflow, source: list[int]) -> int:
        return source[i] * (i + 1)

    branch.__name__ = branch.__qualname__ = f"branch_{i:02d}"
    return step(branch)


class FanIn(Workflow):
    name = "fan-in"

    @step
    def source(self) -> list[int]:
        return list(range(WIDTH))

    # The class body's namespace is where @step methods are collected from.
    locals().update({f"branch_{i:02d}": _branch(i) for i in range(WIDTH)})

    @step
    def merge(
        self,
        branch_00: int, branch_01: int, branch_02: int, branch_03: int, branch_04: int,
        branch_05: int, branch_06: int, branch_07: int, branch_08: int, branch_09: int,
        branch_10: int, branch_11: int, branch_12: int, branch_13: int, branch_14: int,
        branch_15: int, branch_16: int, branch_17: int, branch_18: int, branch_19: int,
    ) -> int:  # fmt: skip
        return sum(
            [
                branch_00, branch_01, branch_02, branch_03, branch_04,
                branch_05, branch_06, branch_07, branch_08, branch_09,
                branch_10, branch_11, branch_12, branch_13, branch_14,
                branch_15, branch_16, branch_17, branch_18, branch_19,
            ]
        )  # fmt: skip
