"""The README's quickstart: three steps wired from their signatures."""

from __future__ import annotations

from axl import Param, Workflow, step


class Hello(Workflow):
    name = "hello"
    greeting = Param("hello", help="how to greet")

    @step
    def names(self) -> list[str]:
        return ["ada", "grace"]

    @step(retries=2, resources={"cpu": "250m", "memory": "256Mi"})
    def greet(self, names: list[str]) -> dict[str, str]:
        return {n: f"{self.greeting} {n}" for n in names}

    @step
    def report(self, greetings: dict[str, str]) -> int:
        print("\n".join(greetings.values()))
        return len(greetings)
