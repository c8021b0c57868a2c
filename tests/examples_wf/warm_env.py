"""``warm_env``: three requirement sets (the workflow's, and two steps' own), a conditional step;
and a step named like the warm step."""

from __future__ import annotations

from axl import Param, Secret, Workflow, step


class WarmEnv(Workflow):
    name = "warm-env"
    requirements = ["tabulate==0.9.0"]
    env = {"UV_INDEX_URL": "https://pypi.example.com/simple", "TOKEN": Secret("api", "token")}
    warm_env = True
    notify = Param(False, help="announce the result")
    outputs = ["report", "announce"]

    @step(packages=["numpy==2.1.3"])
    def load(self) -> list[int]:
        return [3, 1, 2]

    @step(packages=["scipy==1.14.1"])
    def fit(self, load: list[int]) -> float:
        return sum(load) / len(load)

    @step
    def report(self, fit: float) -> str:
        return f"mean {fit}"

    @step(when="notify")
    def announce(self) -> str:
        return "started"


class Clash(Workflow):
    """A step named like the warm step's task."""

    warm_env = True
    requirements = ["numpy"]

    @step
    def axl_warm_env(self) -> int:
        return 1
