"""Workflows of the Dagster target's tests: failures, retries, timeouts, conditions, params, names."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

from axl import Param, Secret, Workflow, step


def _count(path: str) -> int:
    """Add one to the number in ``path`` (missing: 0) and return it: attempts across processes."""
    file = Path(path)
    n = int(file.read_text()) + 1 if file.exists() else 1
    file.write_text(str(n))
    return n


class Flaky(Workflow):
    """``attempt`` fails its first ``fails`` attempts, then succeeds."""

    name = "flaky"
    state = Param(type=str, help="file counting the attempts")
    fails = Param(2)

    @step(retries=3)
    def attempt(self) -> int:
        n = _count(self.state)
        if n <= self.fails:
            raise RuntimeError(f"attempt {n} fails on purpose")
        return n

    @step
    def after(self, attempt: int) -> int:
        return attempt * 10


class Failing(Workflow):
    """``boom`` always raises; ``independent`` does not need it."""

    name = "failing"
    state = Param(type=str)

    @step
    def prepare(self) -> int:
        return 1

    @step(retries=1)
    def boom(self, prepare: int) -> int:
        _count(self.state)
        raise ValueError("the data is not good enough")

    @step
    def after_boom(self, boom: int) -> int:
        return boom

    @step
    def independent(self, prepare: int) -> int:
        return prepare + 1

    outputs = ("after_boom", "independent")


class BadInput(Workflow):
    """A param whose choices Dagster's config cannot check: the runner refuses it (exit 2)."""

    name = "bad-input"
    level = Param(1, choices=[1, 2, 3])

    @step(retries=3)
    def use(self) -> int:
        return self.level


class Slow(Workflow):
    """Writes its process id to ``pidfile``, then sleeps past its timeout."""

    name = "slow"
    pidfile = Param(type=str)

    @step(timeout=1)
    def sleep(self) -> int:
        Path(self.pidfile).write_text(str(os.getpid()))
        time.sleep(120)
        return 1


class Secrets(Workflow):
    """Reads a Secret env variable; returns a digest of it, never the value."""

    name = "secrets"
    env = {"API_TOKEN": Secret("model-registry", "token"), "MODE": "test"}

    @step
    def use(self) -> str:
        token = os.environ["API_TOKEN"]
        return f"{os.environ['MODE']}:{hashlib.sha256(token.encode()).hexdigest()[:12]}"


class Typed(Workflow):
    """Params of every kind; the step reports each value with its Python type."""

    name = "typed"
    count = Param(3, help="a whole number")
    rate = Param(0.5)
    flag = Param(False)
    label = Param(type=str, help="required text")
    tags = Param(["a", "b"])
    extra = Param({"seed": 1})
    mode = Param("fast", choices=["fast", "slow"])
    maybe = Param(None, type=str)

    @step(io_handler="json")
    def show(self) -> dict[str, Any]:
        names = ("count", "rate", "flag", "label", "tags", "extra", "mode", "maybe")
        return {name: [type(self.params[name]).__name__, self.params[name]] for name in names}


class Gate(Workflow):
    """``ship`` runs only when ``measure`` (the param ``score``) is above 0.7."""

    name = "gate"
    score = Param(0.5)

    @step
    def measure(self) -> float:
        return float(self.score)

    @step(when="measure > 0.7")
    def ship(self, measure: float) -> str:
        return f"shipped at {measure}"

    @step
    def announce(self, ship: str) -> str:
        return f"announced: {ship}"

    @step
    def report(self, measure: float) -> str:
        return f"measured {measure}"

    outputs = ("announce", "report")


class Names(Workflow):
    """Step and param names Dagster or pydantic keep for themselves, and a quote in a docstring."""

    name = "names-2"
    json = Param(1, help='a "quoted" help')
    schema = Param("s")

    @step
    def input(self) -> int:
        """Docstring with "quotes", a backslash \\ and a tab\there."""
        return int(self.params["json"])

    @step
    def type(self, input: int) -> int:
        return input + 1

    @step
    def input_step(self, type: int) -> str:
        return f"{type} {self.params['schema']}"


class Recovers(Workflow):
    """``fragile`` fails while the file ``broken`` exists; ``prepare`` counts its runs."""

    name = "recovers"
    state = Param(type=str, help="folder of the marker and the counter")

    @step
    def prepare(self) -> int:
        _count(os.path.join(self.state, "prepare-runs"))
        return 21

    @step
    def fragile(self, prepare: int) -> int:
        if os.path.exists(os.path.join(self.state, "broken")):
            raise RuntimeError("the upstream data is broken")
        return prepare * 2

    @step(when="prepare > 20")
    def finish(self, fragile: int, prepare: int) -> str:
        return f"{fragile} from {prepare}"
