"""Launch one step in its own process and learn how it ended.

Three isolation modes, all running :func:`axl.runtime.runner.execute`:

* ``worker`` (the default on POSIX, see :mod:`axl.runtime.worker_pool`):
  long-lived processes forked from the engine run one step after another;
  about a millisecond a step, and imports made by one step stay warm for the
  next.
* ``fork``: a fresh forked process per step (forked ahead of need), so no
  module state is shared between steps; a few milliseconds a step.
* ``subprocess``: a fresh ``python -m axl.runtime run --manifest FILE``,
  exactly what a pod runs (slowest: a new interpreter per step).

Either way a crash of the step (an exception, ``os._exit``, a segfault, a
kill) ends only that process; the engine records it as the step's failure.
:class:`StepProcesses` holds the running steps of one run and waits for them.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import field
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.errors import EXIT_INTERNAL, EXIT_USER_CODE
from axl.manifest import Manifest
from axl.runtime.fork_pool import ForkPool
from axl.runtime.fork_server import ACCEPTED, ForkServer
from axl.runtime.interrupts import Interrupts
from axl.runtime.step_process import child_main, preloaded, serve
from axl.runtime.worker_pool import WorkerPool

ISOLATION_MODES = ("fork", "worker", "subprocess")
STEP_LOG = "step.log"
"""The file in a step's folder that its process's output (and the runner's events) go to."""


@dataclass
class Launched:
    """A running step process."""

    step: str
    pid: int
    fd: int
    attempt: int
    started: float
    deadline: float | None
    mode: str
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    chunks: list[bytes] = field(default_factory=list)
    timed_out: bool = False


@dataclass(frozen=True)
class Ended:
    """How a step process ended; ``lost``: it died before it took the step (run it again)."""

    exit_code: int
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    lost: bool = False


def default_isolation() -> str:
    """``worker`` where the platform can fork, else ``subprocess``."""
    return "worker" if hasattr(os, "fork") else "subprocess"


def launch(
    manifest: Manifest,
    *,
    mode: str,
    log_path: Path,
    manifest_path: Path | None,
    durable: bool,
    attempt: int,
    started: float,
    deadline: float | None,
    pool: ForkPool | WorkerPool | None = None,
) -> Launched:
    """Start the step's process; the returned ``fd`` becomes readable when it reports."""
    if mode in ("fork", "worker"):
        assert pool is not None
        pid, fd = pool.run(manifest, log_path)
        return Launched(manifest.step, pid, fd, attempt, started, deadline, mode, log_path)
    assert manifest_path is not None
    command = [sys.executable, "-m", "axl.runtime", "run", "--manifest", str(manifest_path)]
    if not durable:
        command.append("--no-fsync")
    with open(log_path, "ab") as log:
        popen = subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    fd = os.pidfd_open(popen.pid)
    return Launched(manifest.step, popen.pid, fd, attempt, started, deadline, mode, log_path, popen)


class StepProcesses:
    """The step processes of one run: started, waited for, timed out, stopped.

    ``interrupts`` wakes :meth:`wait` when a signal arrives; the steps that
    ended then are left for :meth:`stop`.
    """

    def __init__(
        self,
        mode: str,
        server: ForkServer | None,
        *,
        durable: bool,
        parallel: int,
        steps: int,
        interrupts: Interrupts,
    ) -> None:
        self.mode = mode
        self.durable = durable
        self.jobs: dict[str, Launched] = {}
        """The running steps, by name."""
        self.pool: ForkPool | WorkerPool | None = None
        if server is not None and mode == "fork":  # its children are forked at the first step
            self.pool = ForkPool(server, durable=durable, spares=min(parallel, steps) + 1)
        elif server is not None:
            self.pool = WorkerPool(server, durable=durable, size=parallel)
        self._interrupts = interrupts
        self._selector = selectors.DefaultSelector()
        if interrupts.fd is not None:
            self._selector.register(interrupts.fd, selectors.EVENT_READ, None)

    def start(
        self,
        manifest: Manifest,
        step_dir: Path,
        *,
        attempt: int,
        started: float,
        timeout: float | None,
    ) -> Launched:
        """Launch a step, its log in ``step_dir``; it is watched until it ends."""
        manifest_path = step_dir / "manifest.json"
        if self.mode == "subprocess":  # a fresh interpreter reads it; forked ones need not
            manifest_path.write_text(manifest.to_json(indent=2))
        job = launch(
            manifest,
            mode=self.mode,
            log_path=step_dir / STEP_LOG,
            manifest_path=manifest_path,
            durable=self.durable,
            attempt=attempt,
            started=started,
            deadline=time.monotonic() + timeout if timeout else None,
            pool=self.pool,
        )
        self.jobs[job.step] = job
        self._selector.register(job.fd, selectors.EVENT_READ, job)
        return job

    def wait(self, wakeup: float | None) -> list[Launched]:
        """Block until a step reports, a deadline, ``wakeup`` (monotonic) or a signal;
        the steps that ended. A step past its deadline is killed (it ends later)."""
        now = time.monotonic()
        wakeups = [j.deadline for j in self.jobs.values() if j.deadline is not None]
        if wakeup is not None:
            wakeups.append(wakeup)
        timeout = min(max(0.0, min(wakeups) - now), 0.5) if wakeups else None
        events = self._selector.select(timeout)
        if self._interrupts.signum is not None:  # whatever ended just now ended by the signal
            self._interrupts.clear_wakeups()
            return []
        ended = []
        for key, _ in events:
            job = key.data
            if job is None:
                self._interrupts.clear_wakeups()
                continue
            if drain(job, self.pool):
                self._selector.unregister(job.fd)
                ended.append(job)
        now = time.monotonic()
        for job in self.jobs.values():
            expired = job.deadline is not None and now >= job.deadline
            if expired and not job.timed_out and job not in ended:
                job.timed_out = True
                kill(job)
        return ended

    def end(self, job: Launched) -> Ended:
        """How an ended step ended; it is no longer watched."""
        del self.jobs[job.step]
        return finish(job, self.pool)

    def stop(self) -> list[Launched]:
        """Kill every running step and read what each sent first (it may have finished)."""
        for job in self.jobs.values():
            kill(job)
        for job in self.jobs.values():
            if job.mode != "subprocess":  # read what it sent until its end of the pipe closes
                os.set_blocking(job.fd, True)
                while not drain(job, self.pool):
                    pass
        return list(self.jobs.values())

    def close(self) -> None:
        """Kill what still runs and dismiss the pool's idle processes."""
        for job in self.jobs.values():
            kill(job)
        if self.pool is not None:
            self.pool.close()
        self._selector.close()


def fork_server(close_in_server: tuple[int, ...] = ()) -> ForkServer:
    """Start the fork server of a run, knowing the two kinds of step process."""
    return ForkServer(
        {"child": child_main, "worker": serve},
        close_in_server=close_in_server,
        inherited=preloaded(),  # what the server's children will hold, taken as it forks
    )


def drain(job: Launched, pool: ForkPool | WorkerPool | None = None) -> bool:
    """Read what is available; True once the step has reported or its process ended."""
    if isinstance(pool, WorkerPool):
        return pool.read(job.fd)
    if job.mode != "fork":
        return True
    while True:
        try:
            chunk = os.read(job.fd, 65536)
        except BlockingIOError:
            return False
        if not chunk:
            return True
        job.chunks.append(chunk)


def finish(job: Launched, pool: ForkPool | WorkerPool | None = None) -> Ended:
    """Turn how the step ended (its report, or its exit status) into an :class:`Ended`."""
    status: int | None = None
    report: dict[str, Any] | None
    if isinstance(pool, WorkerPool):
        report, status, accepted = pool.report(job.fd)
        if not accepted and not job.timed_out:
            return _lost(status)
    elif job.popen is not None:
        os.close(job.fd)
        returncode = job.popen.wait()
        report = _report_from_log(job.log_path) if returncode >= 0 else None
        status = None if report is not None else _wait_status(returncode)
    else:
        assert isinstance(pool, ForkPool)
        os.close(job.fd)
        sent = b"".join(job.chunks)
        report = _parse(sent[1:]) if sent.startswith(ACCEPTED) else None
        if report is not None and not job.timed_out:
            pool.ended(job.pid)  # it is exiting; no need to wait for that
        else:
            status = pool.wait(job.pid)
            if not sent and not job.timed_out:
                return _lost(status)
    if job.timed_out:
        return Ended(EXIT_USER_CODE, None, {"code": "timeout", "message": "timed out"})
    if report is not None and status is None:
        code = int(report.get("exit_code", EXIT_INTERNAL))
        return Ended(code, report.get("result"), report.get("error"))
    assert status is not None
    return Ended(EXIT_USER_CODE, None, {"code": "crashed", "message": crash_reason(status)})


def step_error(ended: Ended, job: Launched, timeout: float | None) -> dict[str, Any]:
    """The error a failed attempt records (a timeout says so, whatever the process said)."""
    error = dict(ended.error or {"code": "failed", "message": "the step failed"})
    if job.timed_out:
        error = {
            "code": "timeout",
            "message": f"step {job.step!r} timed out after {timeout:g}s and was killed",
            "hint": "raise the step's timeout= or make it faster",
        }
    error.setdefault("exit_code", ended.exit_code or EXIT_USER_CODE)
    return error


def _lost(status: int | None) -> Ended:
    why = crash_reason(status) if status is not None else "the step's process ended"
    error = {"code": "crashed", "message": f"{why} before it took the step"}
    return Ended(EXIT_USER_CODE, None, error, lost=True)


def crash_reason(status: int) -> str:
    """Why a step's process ended without reporting, from its wait status."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"the step's process was killed by {name}"
    code = os.WEXITSTATUS(status)
    return f"the step's process exited with code {code} before reporting"


def _wait_status(returncode: int) -> int:
    """A ``waitpid``-style status from a ``Popen.returncode``."""
    return -returncode if returncode < 0 else returncode << 8


def _parse(data: bytes) -> dict[str, Any] | None:
    if not data:
        return None
    try:
        report = json.loads(data)
    except ValueError:
        return None
    return report if isinstance(report, dict) else None


def _report_from_log(log_path: Path) -> dict[str, Any] | None:
    """The runner command's last JSON log line, as a report."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("status") == "succeeded":
            result = {"outputs": event.get("outputs", []), "cache": event.get("cache")}
            return {"exit_code": 0, "result": result, "error": None}
        if event.get("status") == "failed":
            code = event.get("exit_code", EXIT_INTERNAL)
            return {"exit_code": code, "result": None, "error": event.get("error")}
    return None


def kill(job: Launched) -> None:
    """Stop a step's process (timeout or engine shutdown)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(job.pid, signal.SIGKILL)
