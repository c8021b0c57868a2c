"""Workflows drawn by the graph tests: odd names, params read as arguments and by ``when``."""

from __future__ import annotations

from axl import Param, Workflow, step


class Odd(Workflow):
    """Unicode step names, a param default full of syntax, every badge, every kind of edge."""

    name = "odd"
    label = Param('<b>"#1"</b> & `x` [y] {z} 5%', help="text with syntax in it")
    threshold = Param(0.5)
    publish = Param(True)

    @step(cache=True)
    def prétraiter(self) -> list[int]:
        return [1, 2, 3]

    @step(retries=3, image="registry.example.com/ml@sha256:" + "0123456789abcdef" * 4)
    def 数据(self, prétraiter: list[int], threshold: float) -> dict[str, float]:
        return {"kept": float(sum(x > threshold for x in prétraiter))}

    @step(when="publish")
    def report(self, 数据: dict[str, float], label: str) -> str:
        return f"{label}: {数据}"

    @step
    def gate(self, report: str) -> bool:
        return bool(report)

    @step(when="gate")
    def notify(self) -> str:
        return "done"


class Plain(Workflow):
    """No params: no params group."""

    name = "plain"

    @step
    def only(self) -> int:
        return 1


class Explicit(Workflow):
    """An explicit graph() that reads an undeclared param (open params) and a literal."""

    name = "explicit"

    @step
    def load(self, limit: int, scale: float) -> list[int]:
        return list(range(limit))

    @step
    def total(self, rows: list[int]) -> int:
        return sum(rows)

    def graph(self) -> int:
        return self.total(self.load(self.params.limit, 2.0))  # type: ignore[return-value]
