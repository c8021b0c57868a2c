"""Params of every kind and each form of ``when``: on a step's output and on params."""

from __future__ import annotations

from axl import Param, Workflow, step


class Conditions(Workflow):
    name = "conditions"

    threshold = Param(0.8, help="accuracy needed to publish")
    mode = Param("full", choices=["full", "quick"], help="how much to report")
    region = Param("eu")
    dry_run = Param(False)
    retries = Param(0)
    run_label = Param(type=str, help="a label for this run (required)")

    @step
    def evaluate(self) -> float:
        """Pretend accuracy."""
        return 0.91

    @step(when="evaluate > 0.9")
    def publish(self, evaluate: float) -> str:
        return f"published {evaluate} as {self.run_label}"

    @step
    def announce(self, publish: str) -> str:
        """Runs only when publish ran: a skipped step skips what depends on it."""
        return f"announced: {publish}"

    @step(when="mode == 'full'")
    def full_report(self, evaluate: float) -> str:
        return f"full report: {evaluate}"

    @step(when="not dry_run")
    def upload(self, evaluate: float) -> str:
        return "uploaded"

    @step(when="region in ['eu', 'us']")
    def regional(self, evaluate: float) -> str:
        return f"regional {self.region}"

    @step(when="params.retries")
    def retried(self, evaluate: float) -> int:
        return self.retries

    outputs = ("announce", "full_report", "upload", "regional", "retried")
