"""Children forked ahead of need for ``--isolation fork``: a fresh process per step.

Each child comes from the run's fork server (see :mod:`axl.runtime.fork_server`)
and runs :func:`axl.runtime.step_process.child_main`: it waits for one step,
runs it, reports and exits.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from pathlib import Path

from axl.manifest import Manifest
from axl.runtime.fork_server import Child, ForkServer
from axl.runtime.step_process import manifest_ref


class ForkPool:
    """Children forked ahead of need (by the run's fork server), each used for one step.

    Forking (and the child's exit) happens while other steps run, off the
    critical path; each step still gets a fresh process, so no state leaks
    from one step to the next and a crash takes down only its own step.
    Nothing is forked before the first step (a run whose steps are all cache
    hits forks none).
    """

    def __init__(self, server: ForkServer, *, durable: bool, spares: int) -> None:
        self._server = server
        self._durable = durable
        self._want = max(1, spares)
        self._idle: list[Child] = []

    def run(self, manifest: Manifest, log_path: Path) -> tuple[int, int]:
        """Hand one step to an idle child; returns its pid and the fd that reports the end."""
        ref = manifest_ref(manifest, self._server.inherited)  # each child runs one step
        message = pickle.dumps((ref, str(log_path)), protocol=pickle.HIGHEST_PROTOCOL)
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
