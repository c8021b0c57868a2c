"""A worker that dies, idle or busy, costs at most its own step."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from axl.io.artifacts import read_artifact
from axl.runtime.api import run_local
from axl.runtime.record import StepRecord
from tests.runtime.engine_workflows import Crashes, CrashesOnce, PidOfWorker


def test_an_idle_worker_killed_between_steps_is_replaced(tmp_path: Path):
    killed = []

    def kill_the_worker(event: str, step: StepRecord) -> None:
        if event == "succeeded" and step.name == "first":
            pid = read_artifact(step.outputs[0].path)
            os.kill(pid, signal.SIGKILL)  # it is idle now, waiting for the next step
            killed.append(pid)

    result = run_local(
        PidOfWorker, workspace=tmp_path, isolation="worker", max_parallel=1,
        listener=kill_the_worker,
    )  # fmt: skip
    assert killed
    assert result.ok, result.record.steps
    assert result.value == killed[0] + 2


def test_a_busy_worker_that_dies_fails_only_its_step_and_is_retried(tmp_path: Path):
    params = {"counter": str(tmp_path / "tries")}
    result = run_local(CrashesOnce, params, workspace=tmp_path, isolation="worker", max_parallel=1)
    assert result.ok, result.record.steps["work"].error
    assert result.record.steps["work"].attempts == 2
    assert result.value == 20


def test_a_worker_that_dies_without_retries_fails_its_step_with_the_signal(tmp_path: Path):
    result = run_local(Crashes, {"how": "segv"}, workspace=tmp_path, isolation="worker")
    step = result.record.steps["boom"]
    assert step.status == "failed"
    assert step.error is not None and "killed by SIGSEGV" in step.error["message"]
