"""The fork server: the one process every forked step process comes from.

Forking a process that has other threads is unsafe: the child gets a copy of
every lock and thread pool with none of the threads (a blake3 or pyarrow pool
initialised in the parent hangs the child that uses it). The engine does
threaded work as it runs (digests of cached results, reading conditions,
listeners, a progress display), so it never forks a step itself. At the start
of a run it forks this server while it is still single-threaded; the server
does nothing but fork, so it stays single-threaded, and each step process is
a clean copy of the engine as it was before the run began (the workflow
class and the modules it imported included).

Protocol, over a Unix ``SOCK_SEQPACKET`` pair (one message each way):

* ``spawn`` with the child's two pipe ends attached (``SCM_RIGHTS``): the
  server forks, the child runs the named entry point, the answer is its pid;
* ``wait`` a pid: its wait status (the server is the parent that reaps);
* ``detach`` a pid: its status is not wanted (sent with the next request, as
  ``detach`` beside its ``op``: it needs no answer of its own);
* ``stop``: wait for every child, answer, exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

from axl.dataclass_fast import dataclass
from axl.errors import InfrastructureError

Entry = Callable[[int, int, bool], NoReturn]
"""A child's main: ``(command_read_fd, result_write_fd, durable)``; never returns."""

_MESSAGE = 4096
_DETACH_BATCH = 64
ACCEPTED = b"\x06"
"""The first byte a step process sends the engine for each step: it has the step.
A process that dies before sending it lost nothing but itself: the step goes to another."""


@dataclass
class Child:
    """A step process and the engine's ends of its pipes."""

    pid: int
    command_fd: int
    result_fd: int


def live_threads() -> int:
    """Threads of this process (native ones included); 1 where /proc is absent."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


class ForkServer:
    """The engine's handle on the fork server of one run."""

    def __init__(
        self,
        entries: dict[str, Entry],
        *,
        close_in_server: Iterable[int] = (),
        inherited: Mapping[str, Any] | None = None,
    ) -> None:
        self.inherited: Mapping[str, Any] = inherited or {}
        """What the caller says every child holds from the fork (the engine's preloaded
        manifests, by step name): the same objects as in the engine when it forked."""
        engine_end, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the forked server
            engine_end.close()
            for fd in close_in_server:
                with contextlib.suppress(OSError):
                    os.close(fd)
            _serve(server_end, entries)
        server_end.close()
        self.pid = pid
        self._sock = engine_end
        self._closed = False
        self._detached: list[int] = []

    def spawn(self, entry: str, durable: bool) -> Child:
        """Fork a child running ``entries[entry]``, wired to the engine by two pipes."""
        command_r, command_w = os.pipe()
        result_r, result_w = os.pipe()
        try:
            answer = self._ask({"op": "spawn", "entry": entry, "durable": durable},
                               (command_r, result_w))  # fmt: skip
        except BaseException:
            for fd in (command_w, result_r):
                os.close(fd)
            raise
        finally:
            os.close(command_r)
            os.close(result_w)
        os.set_blocking(result_r, False)
        return Child(int(answer["pid"]), command_w, result_r)

    def wait(self, pid: int) -> int:
        """The wait status of a child (blocks until it has exited)."""
        return int(self._ask({"op": "wait", "pid": pid})["status"])

    def detach(self, pid: int) -> None:
        """Let the server reap ``pid`` without keeping its status (told with the next request:
        a round trip less for each step of ``fork`` isolation)."""
        self._detached.append(pid)
        if len(self._detached) >= _DETACH_BATCH:  # a request stays well within _MESSAGE
            self._ask({"op": "detach"})

    def close(self) -> None:
        """Stop the server once its children have exited; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(InfrastructureError):
            self._ask({"op": "stop"})
        self._sock.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)

    def _ask(self, request: dict[str, Any], fds: tuple[int, ...] = ()) -> dict[str, Any]:
        if self._detached:
            request["detach"], self._detached = self._detached, []
        try:
            socket.send_fds(self._sock, [json.dumps(request).encode()], list(fds))
            data = self._sock.recv(_MESSAGE)
        except OSError as exc:
            raise _server_gone(str(exc)) from None
        if not data:
            raise _server_gone("it exited")
        answer: dict[str, Any] = json.loads(data)
        if "error" in answer:
            raise InfrastructureError(
                f"the local engine's fork server refused a request: {answer['error']}",
                hint="this is a bug in axl; please report it",
            )
        return answer


def _server_gone(why: str) -> InfrastructureError:
    return InfrastructureError(
        f"the local engine's fork server is gone ({why})",
        hint="was it killed? rerun with --resume, or use --isolation subprocess",
    )


def _serve(sock: socket.socket, entries: dict[str, Entry]) -> NoReturn:  # pragma: no cover
    """The server's loop (in the forked server process)."""
    # The engine decides on interrupts, and the server ends when the engine does
    # (its socket closes): a signal to the whole process group must not take it first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)
    kept: dict[int, int] = {}  # reaped children whose status was not asked for yet
    live: set[int] = set()
    detached: set[int] = set()

    def reap(pid: int, status: int) -> None:
        live.discard(pid)
        if pid in detached:
            detached.discard(pid)
        else:
            kept[pid] = status

    def reap_exited() -> None:
        while live:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            reap(pid, status)

    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, _MESSAGE, 2)
        except OSError:
            data, fds = b"", []
        if not data:  # the engine is gone: leave the children to finish on their own
            os._exit(0)
        request = json.loads(data)
        for pid in request.get("detach", ()):
            if kept.pop(pid, None) is None and pid in live:
                detached.add(pid)
        op = request["op"]
        answer: dict[str, Any]
        if op == "spawn":
            threads = live_threads()
            if threads != 1:
                answer = {"error": f"{threads} threads are alive in the fork server"}
            else:
                pid = os.fork()
                if pid == 0:
                    sock.close()
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    try:
                        entries[request["entry"]](fds[0], fds[1], bool(request["durable"]))
                    finally:  # an entry point never returns into the server's loop
                        os._exit(70)
                live.add(pid)
                answer = {"pid": pid}
            for fd in fds:
                os.close(fd)
        elif op == "wait":
            pid = request["pid"]
            if pid not in kept:
                try:
                    _, status = os.waitpid(pid, 0)
                except ChildProcessError:
                    status = 0
                reap(pid, status)
            answer = {"status": kept.pop(pid, 0)}
        elif op == "detach":  # done above
            answer = {}
        else:  # stop
            for pid in list(live):
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
            sock.send(b"{}")
            os._exit(0)
        reap_exited()
        sock.send(json.dumps(answer).encode())
