"""Workflows for the engine's failure tests (importable, so every isolation mode loads them)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from axl import Param, Secret, Workflow, step


class BigAfterCache(Workflow):
    """A cached source, then a step writing a few MB: the fork-after-threads case."""

    name = "big-after-cache"

    @step(cache=True)
    def source(self) -> bytes:
        return bytes(range(256)) * 12_000  # 3 MB: hashed by several threads

    @step
    def double(self, source: bytes) -> bytes:
        return source * 2


class Held(Workflow):
    """``a``, then ``b`` and ``c`` wait while the file ``hold`` exists, then ``d``."""

    name = "held"
    hold = Param(type=str)

    @step
    def a(self) -> int:
        return 1

    @step
    def b(self, a: int) -> int:
        _wait_while(self.hold)
        return a + 10

    @step
    def c(self, a: int) -> int:
        _wait_while(self.hold)
        return a + 100

    @step
    def d(self, b: int, c: int) -> int:
        return b + c


def _wait_while(path: str, limit: float = 60.0) -> None:
    end = time.monotonic() + limit
    while os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.02)


class FromFile(Workflow):
    """``read`` returns the text of the file ``source``; ``shout`` and ``count`` use it."""

    name = "from-file"
    source = Param(type=str)
    suffix = Param("!")

    @step
    def read(self) -> str:
        return Path(self.source).read_text()

    @step
    def shout(self, read: str) -> str:
        return read.upper() + self.suffix

    @step
    def count(self, shout: str) -> int:
        return len(shout)


class FailsOnce(Workflow):
    """``b`` fails while the file ``broken`` exists; ``c`` needs it."""

    name = "fails-once"
    broken = Param(type=str)

    @step
    def a(self) -> int:
        return 2

    @step
    def b(self, a: int) -> int:
        if os.path.exists(self.broken):
            raise RuntimeError("broken")
        return a * 3

    @step
    def c(self, b: int) -> int:
        return b + 1


class KillsEngine(Workflow):
    """``a`` and ``b`` finish, then ``c`` kills the engine's process group (once)."""

    name = "kills-engine"
    marker = Param(type=str)

    @step
    def a(self) -> int:
        return 1

    @step
    def b(self, a: int) -> int:
        return a + 1

    @step
    def c(self, b: int) -> int:
        if not os.path.exists(self.marker):
            Path(self.marker).write_text("killed")
            os.killpg(os.getpgrp(), signal.SIGKILL)
        return b + 1


class Crashes(Workflow):
    """``boom`` ends its own process the way ``how`` says."""

    name = "crashes"
    how = Param("exit", choices=["exit", "segv", "sleep"])

    @step(timeout=1)
    def boom(self) -> int:
        if self.how == "exit":
            os._exit(7)
        if self.how == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(30)
        return 0


class UsesSecret(Workflow):
    """Each step sees the Secret's value without ever writing it."""

    name = "uses-secret"
    fail = Param(False)
    env = {"API_TOKEN": Secret("registry", "token")}

    @step
    def check(self) -> bool:
        return len(os.environ.get("API_TOKEN", "")) > 0

    @step(env={"DB_PASSWORD": Secret("db", "password")})
    def use(self, check: bool) -> bool:
        if self.fail:
            raise RuntimeError("failing on purpose")
        return check and len(os.environ["DB_PASSWORD"]) > 0


class PidOfWorker(Workflow):
    """``first`` returns its process id; ``second`` and ``third`` run after it."""

    name = "pid-of-worker"

    @step
    def first(self) -> int:
        return os.getpid()

    @step
    def second(self, first: int) -> int:
        return first + 1

    @step
    def third(self, second: int) -> int:
        return second + 1


class CrashesOnce(Workflow):
    """``work`` kills its own process on its first attempt (counted in a file), then succeeds."""

    name = "crashes-once"
    counter = Param(type=str)

    @step(retries={"count": 1, "backoff": 0.01})
    def work(self) -> int:
        path = Path(self.counter)
        tries = int(path.read_text()) + 1 if path.exists() else 1
        path.write_text(str(tries))
        if tries == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return tries

    @step
    def after(self, work: int) -> int:
        return work * 10


class Unconsumed(Workflow):
    """``side``'s output is used by no step and is not an output: a warning."""

    name = "unconsumed"

    @step
    def side(self) -> int:
        return 1

    @step
    def main(self) -> int:
        return 2
