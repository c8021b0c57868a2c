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
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import pickle
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from axl.errors import EXIT_INTERNAL, EXIT_USER_CODE
from axl.runtime.fork_server import ACCEPTED, Child, ForkServer
from axl.runtime.manifest import Manifest
from axl.runtime.worker_pool import WorkerPool

ISOLATION_MODES = ("fork", "worker", "subprocess")


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


class ForkPool:
    """Children forked ahead of need (by the run's fork server), each used for one step.

    Forking (and the child's exit) happens while other steps run, off the
    critical path; each step still gets a fresh process, so no state leaks
    from one step to the next and a crash takes down only its own step.
    """

    def __init__(self, server: ForkServer, *, durable: bool, spares: int) -> None:
        self._server = server
        self._durable = durable
        self._want = max(1, spares)
        self._idle: list[Child] = []

    def run(self, manifest: Manifest, log_path: Path) -> tuple[int, int]:
        """Hand one step to an idle child; returns its pid and the fd that reports the end."""
        message = pickle.dumps((manifest, str(log_path)), protocol=pickle.HIGHEST_PROTOCOL)
        while True:
            spare = self._idle.pop() if self._idle else self._spawn()
            try:
                view = memoryview(message)
                while view:
                    view = view[os.write(spare.command_fd, view) :]
            except OSError:  # it died while waiting: take another
                self._dismiss(spare)
                self._server.wait(spare.pid)
                continue
            with contextlib.suppress(OSError):
                os.close(spare.command_fd)
            self.refill()
            return spare.pid, spare.result_fd

    def refill(self) -> None:
        """Fork idle children up to the wanted number."""
        while len(self._idle) < self._want:
            self._idle.append(self._spawn())

    def ended(self, pid: int) -> None:
        """A child reported; the server reaps it, without the engine waiting for its exit."""
        self._server.detach(pid)

    def wait(self, pid: int) -> int:
        """The wait status of a child that ended without a report."""
        return self._server.wait(pid)

    def close(self) -> None:
        """Dismiss the idle children (they exit when their command pipe closes)."""
        for spare in self._idle:
            self._dismiss(spare)
        self._idle = []

    @staticmethod
    def _dismiss(spare: Child) -> None:
        for fd in (spare.command_fd, spare.result_fd):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _spawn(self) -> Child:
        return self._server.spawn("child", self._durable)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def run_in_child(manifest: Manifest, log_path: str, durable: bool) -> tuple[int, dict[str, Any]]:
    """In a step's process: send output to the step's log, run the step, build the report."""
    code = EXIT_INTERNAL
    payload: dict[str, Any] = {"exit_code": code, "result": None, "error": None}
    try:
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(log_fd)
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        if faulthandler.is_enabled():  # crash tracebacks go to the step's log
            faulthandler.enable(file=sys.stderr)
        from axl.io.artifacts import use_global_hash_pool
        from axl.runtime.runner import execute

        use_global_hash_pool()
        outcome = execute(manifest, durable=durable)
        payload = outcome.to_dict()
        code = outcome.exit_code
    except BaseException as exc:  # report anything rather than die silently
        payload["error"] = {"code": "internal", "message": f"{type(exc).__name__}: {exc}"}
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    return code, payload


def child_main(command_fd: int, result_fd: int, durable: bool) -> NoReturn:
    """A forked child: wait for one step, run it, report, exit."""
    code = EXIT_INTERNAL
    payload: dict[str, Any] = {"exit_code": code, "result": None, "error": None}
    try:
        message = _read_all(command_fd)
        os.close(command_fd)
        if not message:  # dismissed without work
            os._exit(0)
        os.write(result_fd, ACCEPTED)
        manifest, log_path = pickle.loads(message)
        code, payload = run_in_child(manifest, log_path, durable)
    except BaseException as exc:
        payload["error"] = {"code": "internal", "message": f"{type(exc).__name__}: {exc}"}
    finally:
        try:
            os.write(result_fd, json.dumps(payload, default=str).encode())
            os.close(result_fd)  # the engine sees the end now, not after our exit
        finally:
            os._exit(code)


def fork_server(close_in_server: tuple[int, ...] = ()) -> ForkServer:
    """Start the fork server of a run, knowing the two kinds of step process."""
    from axl.runtime.worker_pool import serve

    return ForkServer({"child": child_main, "worker": serve}, close_in_server=close_in_server)


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
            return {"exit_code": 0, "result": {"outputs": event.get("outputs", [])}, "error": None}
        if event.get("status") == "failed":
            code = event.get("exit_code", EXIT_INTERNAL)
            return {"exit_code": code, "result": None, "error": event.get("error")}
    return None


def kill(job: Launched) -> None:
    """Stop a step's process (timeout or engine shutdown)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(job.pid, signal.SIGKILL)
