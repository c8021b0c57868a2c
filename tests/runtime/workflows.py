"""Workflows the runtime tests run (importable, so subprocess isolation can load them)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from axl import Param, Workflow, step


class Diamond(Workflow):
    """a -> (b, c) -> d, with b and c sleeping ``nap`` seconds each."""

    name = "diamond"
    nap = Param(0.0)

    @step
    def a(self) -> int:
        return 1

    @step
    def b(self, a: int) -> int:
        time.sleep(self.nap)
        return a + 10

    @step
    def c(self, a: int) -> int:
        time.sleep(self.nap)
        return a + 100

    @step
    def d(self, b: int, c: int) -> int:
        return b + c


class Flaky(Workflow):
    """``work`` fails until it has been tried ``succeed_on`` times (counted in a file)."""

    name = "flaky"
    counter = Param(type=str)
    succeed_on = Param(2)

    @step(retries={"count": 2, "backoff": 0.01})
    def work(self) -> int:
        path = Path(self.counter)
        tries = int(path.read_text()) + 1 if path.exists() else 1
        path.write_text(str(tries))
        if tries < self.succeed_on:
            raise RuntimeError(f"attempt {tries} fails")
        return tries


class Gate(Workflow):
    """``deploy`` runs only when ``score`` is high enough; ``notify`` needs ``deploy``."""

    name = "gate"
    threshold = Param(0.9)
    mode = Param("full")

    @step
    def score(self) -> float:
        return 0.5

    @step(when="score > 0.9")
    def deploy(self, score: float) -> str:
        return "deployed"

    @step
    def notify(self, deploy: str) -> str:
        return f"notified: {deploy}"

    @step(when="params.mode == 'full'")
    def report(self, score: float) -> str:
        return f"score {score}"

    outputs = ("report", "notify")


class Boom(Workflow):
    """A step that raises, beside one that works."""

    name = "boom"

    @step
    def fine(self) -> int:
        return 1

    @step
    def explode(self, fine: int) -> int:
        raise ValueError(f"bad value {fine}")


class Crash(Workflow):
    """Steps that take their process down in different ways."""

    name = "crash"
    how = Param("exit")
    outputs = ("ok", "crash")

    @step
    def ok(self) -> int:
        return 1

    @step
    def crash(self) -> int:
        if self.how == "exit":
            os._exit(9)
        if self.how == "segfault":
            import ctypes

            ctypes.string_at(0)
        if self.how == "sleep":
            time.sleep(30)
        return 0


class Slow(Workflow):
    name = "slow"

    @step(timeout=0.5)
    def wait(self) -> int:
        time.sleep(30)
        return 1


class Envy(Workflow):
    """Only ``with_env`` sees ``AXL_TEST_FLAVOUR``."""

    name = "envy"
    env = {"AXL_TEST_SHARED": "shared"}

    @step(env={"AXL_TEST_FLAVOUR": "mint"})
    def with_env(self) -> dict[str, Any]:
        return {k: os.environ.get(k) for k in ("AXL_TEST_FLAVOUR", "AXL_TEST_SHARED")}

    @step
    def without_env(self) -> dict[str, Any]:
        return {k: os.environ.get(k) for k in ("AXL_TEST_FLAVOUR", "AXL_TEST_SHARED")}

    outputs = ("with_env", "without_env")


class Paths(Workflow):
    """``size`` receives the path of ``make``'s artifact, not the value."""

    name = "paths"

    @step(io_handler="json")
    def make(self) -> dict[str, int]:
        return {"x": 1}

    @step(input_mode="path")
    def size(self, make: Any) -> list[Any]:
        return [type(make).__name__, Path(make).name, Path(make).stat().st_size]


class Cached(Workflow):
    """``expensive`` is cached; it appends to a file each time it really runs."""

    name = "cached"
    ledger = Param(type=str)
    factor = Param(2)

    @step
    def base(self) -> int:
        return 21

    @step(cache=True)
    def expensive(self, base: int) -> int:
        with open(self.ledger, "a") as f:
            f.write("ran\n")
        return base * self.factor


class Awaits(Workflow):
    """An ``async def`` step runs to completion like any other."""

    name = "awaits"

    @step
    async def fetch(self) -> int:
        import asyncio

        await asyncio.sleep(0)
        return 7

    @step
    def double(self, fetch: int) -> int:
        return fetch * 2


class ThreeCached(Workflow):
    """Three cached steps; each call appends the step's name to ``ledger``."""

    name = "three-cached"
    ledger = Param(type=str)
    outputs = ["second", "third"]

    def _called(self, name: str) -> None:
        with open(self.ledger, "a") as f:
            f.write(name + "\n")

    @step(cache=True)
    def first(self) -> int:
        self._called("first")
        return 1

    @step(cache=True)
    def second(self, first: int) -> int:
        self._called("second")
        return first + 1

    @step(cache=True)
    def third(self) -> int:
        self._called("third")
        return 3
