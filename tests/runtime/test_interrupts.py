"""Ctrl-C and SIGTERM: the steps stop, the run is recorded as cancelled, --resume finishes it."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from axl.runtime.api import run_local
from axl.runtime.interrupts import RunInterrupted
from axl.runtime.record import RunRecord
from tests.runtime.engine_cli import MODES, run, start, wait_for
from tests.runtime.engine_workflows import Held


def _both_waiting(run_dir: Path) -> bool:
    return all((run_dir / name / "step.log").exists() for name in ("b", "c"))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("isolation", MODES)
def test_a_signal_cancels_the_run_and_resume_finishes_it(
    tmp_path: Path, isolation: str, sig: signal.Signals
):
    hold = tmp_path / "hold"
    hold.write_text("")
    args = ("--isolation", isolation, "--run-id", "r", "--param", f"hold={hold}")
    proc = start("Held", tmp_path, *args)
    run_dir = tmp_path / "runs" / "r"
    try:
        wait_for(lambda: _both_waiting(run_dir))
        time.sleep(0.3)  # b and c are inside their steps now
        os.killpg(proc.pid, sig)  # as a terminal's Ctrl-C or a supervisor's stop does
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err and "internal error" not in err
    assert "cancelled by SIG" in err
    assert "axl run local -m tests/runtime/engine_workflows.py:Held --run-id r --resume" in err
    record = RunRecord.load(run_dir)
    assert record.status == "cancelled"
    statuses = {name: step.status for name, step in record.steps.items()}
    assert statuses == {"a": "succeeded", "b": "cancelled", "c": "cancelled", "d": "not_run"}
    assert "killed by" not in json.dumps(record.to_dict())
    hold.unlink()
    out = run("Held", tmp_path, "--isolation", isolation, "--run-id", "r", "--resume")
    assert out.returncode == 0, out.stderr
    assert "result: d = 112" in out.stdout
    again = RunRecord.load(run_dir)
    assert again.steps["a"].attempts == 1 and again.steps["a"].started == record.steps["a"].started


@pytest.mark.parametrize("isolation", MODES)
def test_run_local_records_then_raises_keyboard_interrupt(tmp_path: Path, isolation: str):
    hold = tmp_path / "hold"
    hold.write_text("")
    run_dir = tmp_path / "ws" / "runs" / "api"

    def interrupt() -> None:
        wait_for(lambda: _both_waiting(run_dir))
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGINT)

    helper = threading.Thread(target=interrupt)
    helper.start()
    try:
        with pytest.raises(KeyboardInterrupt) as caught:
            run_local(
                Held, {"hold": str(hold)}, workspace=tmp_path / "ws", run_id="api",
                isolation=isolation,
            )  # fmt: skip
    finally:
        helper.join(timeout=30)
    assert isinstance(caught.value, RunInterrupted)
    assert caught.value.exit_code == 130
    record = RunRecord.load(run_dir)
    assert record.status == "cancelled"
    assert record.steps["b"].status == "cancelled"
    assert record.steps["d"].status == "not_run"
    assert caught.value.record.status == "cancelled"
