"""Workflows whose ``when`` conditions nest, share a sub-DAG, or cannot be a KFP task."""

from __future__ import annotations

from axl import Param, Workflow, step


class Nested(Workflow):
    """Conditions inside conditions; values and artifacts handed down two levels."""

    name = "nested"
    mode = Param("full")
    depth = Param(2)

    @step
    def score(self) -> float:
        return 0.95

    @step
    def label(self) -> str:
        return "gold"

    @step(when="score > 0.9")
    def publish(self, score: float) -> str:
        return f"published {score}"

    @step(when="label == 'gold'")
    def promote(self, publish: str, label: str) -> str:
        """Runs under both conditions: its own and that of publish."""
        return f"{publish} as {label}"

    @step(when="depth >= 2")
    def deep(self, promote: str, score: float) -> str:
        """Three levels down, reading an artifact from the root."""
        return f"{promote} at {score}"

    @step(when="score > 0.9")
    def archive(self, score: float) -> float:
        """The same condition as publish's: the same sub-DAG."""
        return score

    @step
    def summary(self, score: float) -> str:
        return f"summary {score}"

    outputs = ("deep", "archive", "summary")


class CrossConditions(Workflow):
    """A step that reads two steps each under a condition of its own."""

    name = "cross-conditions"
    left_on = Param(True)
    right_on = Param(True)

    @step(when="left_on")
    def left(self) -> int:
        return 1

    @step(when="right_on")
    def right(self) -> int:
        return 2

    @step
    def join(self, left: int, right: int) -> int:
        return left + right
