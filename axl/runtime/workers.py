"""Launch one step in its own process and learn how it ended.

Two isolation modes, both running :func:`axl.runtime.runner.execute`:

* ``fork`` (default on POSIX): the engine forks itself; the child already has
  the workflow module imported, so a step costs well under a millisecond of
  overhead. The child reports through a pipe and leaves with ``os._exit``.
* ``subprocess``: a fresh ``python -m axl.runtime run --manifest FILE``,
  exactly what a pod runs (slower: a new interpreter per step).

Either way a crash of the step (an exception, ``os._exit``, a segfault, a
kill) ends only that process; the engine records it as the step's failure.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axl.errors import EXIT_INTERNAL, EXIT_USER_CODE
from axl.runtime.manifest import Manifest

ISOLATION_MODES = ("fork", "subprocess")


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
    """How a step process ended."""

    exit_code: int
    result: dict[str, Any] | None
    error: dict[str, Any] | None


def default_isolation() -> str:
    """``fork`` where the platform has it, else ``subprocess``."""
    return "fork" if hasattr(os, "fork") else "subprocess"


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
) -> Launched:
    """Start the step's process; the returned ``fd`` becomes readable when it ends."""
    if mode == "fork":
        pid, fd = _fork(manifest, log_path, durable)
        return Launched(manifest.step, pid, fd, attempt, started, deadline, mode, log_path)
    assert manifest_path is not None
    command = [sys.executable, "-m", "axl.runtime", "run", "--manifest", str(manifest_path)]
    if not durable:
        command.append("--no-fsync")
    with open(log_path, "ab") as log:
        popen = subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    fd = os.pidfd_open(popen.pid)
    return Launched(manifest.step, popen.pid, fd, attempt, started, deadline, mode, log_path, popen)


def _fork(manifest: Manifest, log_path: Path, durable: bool) -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = EXIT_INTERNAL
        payload: dict[str, Any] = {"exit_code": code, "result": None, "error": None}
        try:
            os.close(read_fd)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(log_fd, 1)
            os.dup2(log_fd, 2)
            os.close(log_fd)
            sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
            if faulthandler.is_enabled():  # crash tracebacks go to the step's log
                faulthandler.enable(file=sys.stderr)
            from axl.runtime.runner import execute

            outcome = execute(manifest, durable=durable)
            payload = outcome.to_dict()
            code = outcome.exit_code
        except BaseException as exc:  # report anything rather than die silently
            payload["error"] = {"code": "internal", "message": f"{type(exc).__name__}: {exc}"}
        finally:
            try:
                os.write(write_fd, json.dumps(payload, default=str).encode())
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    return pid, read_fd


def drain(job: Launched) -> bool:
    """Read what is available; True once the process has closed its end (it ended)."""
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


def finish(job: Launched) -> Ended:
    """Reap the process and turn its exit status and report into an :class:`Ended`."""
    os.close(job.fd)
    if job.popen is not None:
        status_code = job.popen.wait()
        signum = -status_code if status_code < 0 else None
        report = _report_from_log(job.log_path) if signum is None else None
        code = status_code if signum is None else EXIT_USER_CODE
    else:
        _, status = os.waitpid(job.pid, 0)
        signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        code = os.WEXITSTATUS(status) if signum is None else EXIT_USER_CODE
        report = _parse(b"".join(job.chunks))
    if job.timed_out:
        return Ended(code or EXIT_USER_CODE, None, {"code": "timeout", "message": "timed out"})
    if signum is not None:
        name = signal.Signals(signum).name
        return Ended(
            EXIT_USER_CODE,
            None,
            {"code": "crashed", "message": f"the step's process was killed by {name}"},
        )
    if report is None:
        message = f"the step's process exited with code {code} before reporting"
        return Ended(code or EXIT_USER_CODE, None, {"code": "crashed", "message": message})
    return Ended(code, report.get("result"), report.get("error"))


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
            return {"result": {"outputs": event.get("outputs", [])}, "error": None}
        if event.get("status") == "failed":
            return {"result": None, "error": event.get("error")}
    return None


def kill(job: Launched) -> None:
    """Stop a step's process (timeout or engine shutdown)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(job.pid, signal.SIGKILL)
