"""Long-lived worker processes for ``--isolation worker``: the fastest isolated mode.

Each worker is forked once (by the run's fork server, see
:mod:`axl.runtime.fork_server`) and then runs steps one after another, so a
step pays neither a fork nor a process exit. A crash (``os._exit``, a
segfault, a kill) ends only that worker: a busy worker's step fails (or is
retried) and a fresh worker takes its place; an idle worker that died is
replaced when it is next needed. What is *not* isolated is module-level
state: a step may see globals that an earlier step in the same worker left
behind, unlike on a cluster, where every step has its own pod. Use ``fork``
isolation when that matters.

Messages are length-prefixed (see :mod:`axl.runtime.step_process`, where
the worker's own loop lives): the engine sends ``(manifest, log_path)``
pickled, the worker answers with the JSON report of the step.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
from dataclasses import field
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.manifest import Manifest
from axl.runtime.fork_server import ACCEPTED, Child, ForkServer
from axl.runtime.step_process import FRAME, manifest_ref, write_all

_SPAWN_TRIES = 3


@dataclass
class Worker:
    """One worker process, the engine's ends of its pipes, and what it has sent so far."""

    child: Child
    buffer: bytearray = field(default_factory=bytearray)
    taken: set[str] = field(default_factory=set)
    """Steps whose inherited manifest this worker was sent by name (each only once)."""
    alive: bool = True
    accepted: bool = False

    @property
    def pid(self) -> int:
        return self.child.pid

    @property
    def command_fd(self) -> int:
        return self.child.command_fd

    @property
    def result_fd(self) -> int:
        return self.child.result_fd


class WorkerPool:
    """Up to ``size`` workers; a dead worker is replaced on the next step."""

    def __init__(self, server: ForkServer, *, durable: bool, size: int) -> None:
        self._server = server
        self._durable = durable
        self._size = max(1, size)
        self._idle: list[Worker] = []
        self._busy: dict[int, Worker] = {}

    def run(self, manifest: Manifest, log_path: Path) -> tuple[int, int]:
        """Send one step to an idle worker; returns its pid and the fd to watch."""
        for _ in range(_SPAWN_TRIES):
            worker = self._idle.pop() if self._idle else self._spawn()
            ref: Manifest | str = manifest
            if manifest.step not in worker.taken:
                ref = manifest_ref(manifest, self._server.inherited)
            message = pickle.dumps((ref, str(log_path)), protocol=pickle.HIGHEST_PROTOCOL)
            try:
                write_all(worker.command_fd, FRAME.pack(len(message)) + message)
            except OSError:  # it died while idle: replace it
                self._discard(worker)
                continue
            if isinstance(ref, str):
                worker.taken.add(ref)
            self._busy[worker.result_fd] = worker
            return worker.pid, worker.result_fd
        raise OSError("every new worker died before it took its step")

    def wait(self, pid: int) -> int:
        """The wait status of a worker that died."""
        return self._server.wait(pid)

    def read(self, fd: int) -> bool:
        """Read what the worker sent; True when its report is complete or it died."""
        worker = self._busy[fd]
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                worker.alive = False
                return True
            worker.buffer += chunk
        if not worker.accepted and worker.buffer[:1] == ACCEPTED:
            worker.accepted = True
            del worker.buffer[:1]
        if len(worker.buffer) < FRAME.size:
            return False
        size: int = FRAME.unpack_from(worker.buffer)[0]
        return len(worker.buffer) >= FRAME.size + size

    def report(self, fd: int) -> tuple[dict[str, Any] | None, int | None, bool]:
        """The step's report, or ``None`` and the wait status when the worker died first;
        and whether the worker had taken the step."""
        worker = self._busy.pop(fd)
        if not worker.accepted and worker.buffer[:1] == ACCEPTED:
            worker.accepted = True
            del worker.buffer[:1]
        accepted, worker.accepted = worker.accepted, False
        body = None
        if len(worker.buffer) >= FRAME.size:
            (size,) = FRAME.unpack_from(worker.buffer)
            if len(worker.buffer) >= FRAME.size + size:
                body = bytes(worker.buffer[FRAME.size : FRAME.size + size])
                del worker.buffer[: FRAME.size + size]
        if not worker.alive:
            status = self._discard(worker)
            if body is None:
                return None, status, accepted
        else:
            self._idle.append(worker)
        try:
            report = json.loads(body or b"")
        except ValueError:
            report = None
        return report, None, accepted

    def close(self) -> None:
        """Stop every worker: busy ones are killed, idle ones exit when their pipe closes."""
        for worker in self._busy.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        for worker in [*self._idle, *self._busy.values()]:
            _close_pipes(worker)
        self._idle, self._busy = [], {}

    def _discard(self, worker: Worker) -> int:
        """Close a dead worker's pipes and collect its wait status."""
        _close_pipes(worker)
        return self._server.wait(worker.pid)

    def _spawn(self) -> Worker:
        return Worker(self._server.spawn("worker", self._durable))


def _close_pipes(worker: Worker) -> None:
    for fd in (worker.command_fd, worker.result_fd):
        with contextlib.suppress(OSError):
            os.close(fd)
