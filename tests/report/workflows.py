"""Workflows whose runs the report tests (and scripts/report-screenshot.py) look at."""

from __future__ import annotations

import time
from pathlib import Path

from axl import Param, Workflow, step


class Training(Workflow):
    """A training run that fails at evaluation, after a retried fit.

    ``fit`` fails its first attempt (counted in ``scratch``); ``evaluate``
    raises; ``publish`` never runs; ``notify`` is skipped by its condition.
    """

    name = "training"
    scratch = Param(type=str, help="a folder for fit's attempt counter")
    threshold = Param(0.8)
    notify_channel = Param("")
    nap = Param(0.05, help="seconds each step works")

    @step
    def load_data(self) -> list[list[float]]:
        time.sleep(self.nap * 3)
        return [[float(i), float(i % 3)] for i in range(200)]

    @step
    def clean(self, load_data: list[list[float]]) -> list[list[float]]:
        time.sleep(self.nap * 2)
        return [row for row in load_data if row[0] >= 0]

    @step
    def features(self, clean: list[list[float]]) -> dict[str, list[float]]:
        time.sleep(self.nap * 4)
        return {"x": [r[0] for r in clean], "y": [r[1] for r in clean]}

    @step
    def stats(self, clean: list[list[float]]) -> dict[str, float]:
        time.sleep(self.nap)
        return {"rows": float(len(clean))}

    @step(retries={"count": 2, "backoff": 0.01})
    def fit(self, features: dict[str, list[float]]) -> dict[str, float]:
        counter = Path(self.scratch) / "fit-attempts"
        tries = int(counter.read_text()) + 1 if counter.exists() else 1
        counter.write_text(str(tries))
        time.sleep(self.nap * 2)
        if tries < 2:
            raise ConnectionError("the feature store timed out")
        return {"w": 0.5, "b": 0.1}

    @step
    def evaluate(self, fit: dict[str, float], stats: dict[str, float]) -> float:
        time.sleep(self.nap)
        accuracy = 0.62
        print(f"evaluated {stats['rows']:.0f} rows: accuracy {accuracy}")
        if accuracy < self.threshold:
            raise ValueError(f"accuracy {accuracy} is below the threshold {self.threshold}")
        return accuracy

    @step
    def publish(self, evaluate: float) -> None:
        print(f"published the model with accuracy {evaluate}")

    @step(when="params.notify_channel != ''")
    def notify(self, stats: dict[str, float]) -> None:
        print(f"told {self.notify_channel}: {stats['rows']:.0f} rows")


TRAINING_STATUS = {
    "load_data": "succeeded", "clean": "succeeded", "features": "succeeded", "fit": "succeeded",
    "stats": "succeeded", "evaluate": "failed", "notify": "skipped", "publish": "not_run",
}  # fmt: skip
"""How each step of a Training run ends."""

HOSTILE_MESSAGE = '<script>alert("boom")</script> & \'quoted\' "double"'
HOSTILE_LOG = "<img src=x onerror=alert(1)> </pre></article><b>bold</b>"
HOSTILE_LABEL = '<b>label</b> & "more"'


class Hostile(Workflow):
    """A step whose error message and log are HTML, and a param that is too."""

    name = "hostile"
    label = Param("plain")

    @step
    def prepare(self) -> str:
        return self.label

    @step
    def attack(self, prepare: str) -> None:
        print(HOSTILE_LOG)
        raise RuntimeError(HOSTILE_MESSAGE)
