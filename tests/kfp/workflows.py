"""Workflows the KFP end-to-end tests run in the runner image (tests/kfp/test_kfp_local_docker.py).

Each module the tests ship must import nothing but axl: the containers see
only a copy of the module and its packages' ``__init__.py`` files.
"""

from __future__ import annotations

from typing import Any

from axl import Param, Workflow, step

TYPED_PARAMS = ("epochs", "rate", "tag", "verbose", "ratio", "seed", "scale", "label", "strict")


class Typed(Workflow):
    """Params of four types, with and without defaults; ``arrived`` reports what each step got."""

    name = "typed"
    epochs = Param(3, help="an int with a default")
    rate = Param(0.5)
    tag = Param("base")
    verbose = Param(False)
    ratio = Param(1.0, help="a float whose default is a whole number")
    seed = Param(type=int, help="required")
    scale = Param(type=float)
    label = Param(type=str)
    strict = Param(type=bool)

    @step(io_handler="json")
    def arrived(self) -> dict[str, list[Any]]:
        """Each param's Python type and value, as the step sees it."""
        return {
            name: [type(getattr(self, name)).__name__, getattr(self, name)] for name in TYPED_PARAMS
        }

    @step
    def combined(self, arrived: dict[str, list[Any]]) -> str:
        """Arithmetic and text that come out differently if a type is lost on the way."""
        total = self.epochs * self.rate * self.ratio + self.seed / self.scale
        flags = f"{self.verbose!r}/{self.strict!r}"
        return f"{self.tag}:{self.label * 2}:{total!r}:{flags}:{len(arrived)}"


class Threshold(Workflow):
    """A ``when`` on a step's output (both ways by ``level``), and a step that needs the gated one."""

    name = "threshold"
    level = Param(0.5)

    @step
    def score(self) -> float:
        return self.level

    @step(when="score > 0.9")
    def deploy(self, score: float) -> str:
        return f"deployed at {score}"

    @step
    def notify(self, deploy: str) -> str:
        return f"notified: {deploy}"

    @step
    def report(self, score: float) -> str:
        return f"score {score}"

    outputs = ("report", "notify")
