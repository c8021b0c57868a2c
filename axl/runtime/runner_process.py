"""Run one step as ``python -m axl.runtime run --manifest-json M`` and learn how it ended.

What a backend without a pod does to run a step exactly as a pod would (a
Dagster op): a fresh interpreter, the step's output appended to its log, the
timeout enforced by killing the runner's whole process group, and the
outcome read back from the runner's own JSON log lines of this attempt.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import field
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.errors import EXIT_INTERNAL, EXIT_USER_CODE
from axl.manifest import Manifest
from axl.planning import RUNNER_COMMAND, manifest_text, runner_args
from axl.runtime.outputs import OutputInfo
from axl.runtime.workers import crash_reason

TAIL_LINES = 20


@dataclass(frozen=True)
class RunnerExit:
    """How one run of the runner ended: its exit code, its outputs or its error."""

    exit_code: int
    outputs: tuple[OutputInfo, ...] = ()
    error: dict[str, Any] | None = None
    log: Path = field(default_factory=Path)
    tail: str = ""
    """The last lines this attempt wrote to the log."""
    cache: dict[str, Any] | None = None
    """For a cached step, what the runner reports: ``status`` (``hit`` or ``miss``), ``key``."""

    @property
    def cache_hit(self) -> bool:
        """Whether the outputs came from the step cache (the step was not called)."""
        return self.cache is not None and self.cache.get("status") == "hit"

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def run_runner(
    manifest: Manifest, log: Path, *, timeout: float | None, env: dict[str, str] | None = None
) -> RunnerExit:
    """Run the step of ``manifest``, its output appended to ``log``; kill it after ``timeout``.

    Anything that interrupts the wait (a signal, a cancelled run) kills the
    runner first. The interpreter is this one, so the step sees the same
    installed packages.
    """
    command = [
        sys.executable,
        *RUNNER_COMMAND[1:],
        *runner_args(manifest_text(manifest), manifest.run_id, ()),
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        offset = out.tell()
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # a timeout kills what the step started, too
        )
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill(process)
    except BaseException:
        _kill(process)
        raise
    lines = _lines_since(log, offset)
    tail = "\n".join(lines[-TAIL_LINES:])
    if timed_out:
        assert timeout is not None
        error = {
            "code": "timeout",
            "message": f"step {manifest.step!r} timed out after {timeout:g}s and was killed",
            "hint": "raise the step's timeout= or make it faster",
        }
        return RunnerExit(EXIT_USER_CODE, error=error, log=log, tail=tail)
    event = _last_event(lines)
    code = process.returncode
    if event is not None and event.get("status") == "succeeded" and code == 0:
        outputs = tuple(OutputInfo(**item) for item in event.get("outputs", []))
        cache = event.get("cache")
        return RunnerExit(
            0, outputs=outputs, log=log, tail=tail, cache=cache if isinstance(cache, dict) else None
        )
    if event is not None and event.get("status") == "failed" and code > 0:
        error = dict(event.get("error") or {})
        return RunnerExit(code, error=error, log=log, tail=tail)
    status = -code if code < 0 else code << 8
    error = {"code": "crashed", "message": crash_reason(status)}
    return RunnerExit(code if code > 0 else EXIT_INTERNAL, error=error, log=log, tail=tail)


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _lines_since(log: Path, offset: int) -> list[str]:
    try:
        with open(log, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()


def _last_event(lines: list[str]) -> dict[str, Any] | None:
    """The runner's last ``succeeded`` or ``failed`` JSON log line."""
    events = (_json(line) for line in reversed(lines) if line.startswith("{"))
    return next((e for e in events if e.get("status") in ("succeeded", "failed")), None)


def _json(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
