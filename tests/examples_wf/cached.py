"""cache=True steps beside one that is not: what a cache store changes in compiled output."""

from __future__ import annotations

from axl import Param, Secret, Workflow, step


class Cached(Workflow):
    name = "cached"
    env = {"LOG_LEVEL": "info", "API_TOKEN": Secret("model-registry", "token")}
    rows = Param(3, help="rows to load")

    @step(cache=True)
    def load(self) -> list[int]:
        return list(range(self.rows))

    @step(cache=True, image="registry.example.com/team/ml@sha256:" + "ab" * 32)
    def train(self, load: list[int]) -> int:
        return sum(load)

    @step(retries=1)
    def publish(self, train: int) -> str:
        return f"trained on {train}"
