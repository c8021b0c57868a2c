"""Inside a step's process: run the step, send the engine its report.

The engine's step processes (see :mod:`axl.runtime.workers`) are forked by
the run's fork server (:mod:`axl.runtime.fork_server`) into one of two entry
points: :func:`child_main` runs one step and exits (``fork`` isolation);
:func:`serve` runs steps one after another until the engine closes its pipe
(``worker`` isolation, see :mod:`axl.runtime.worker_pool`). Both run the step
through :func:`run_in_child`.

Each process first sends :data:`~axl.runtime.fork_server.ACCEPTED` when it
takes a step. A one-step child then writes its JSON report and closes the
pipe; a worker frames each message with :data:`FRAME` (an 8-byte length):
the engine sends ``(manifest, log_path)`` pickled, the worker answers with
the JSON report.

The manifests of the run are in every step process already: :func:`preload`
keeps them before the fork server starts, so the engine may send a step's
name instead of its manifest (see :func:`manifest_ref`). Each process uses an
inherited manifest at most once, so a step always gets one that no earlier
step in that process could have touched.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import json
import os
import pickle
import struct
import sys
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from axl.errors import EXIT_INTERNAL
from axl.manifest import Manifest
from axl.runtime.fork_server import ACCEPTED

FRAME = struct.Struct("!Q")
"""The length prefix of each message between the engine and a worker."""


_preloaded: list[dict[str, Manifest]] = [{}]
"""The manifests :func:`preload` kept last: a new dict each time, never changed after."""


def preload(manifests: Iterable[Manifest]) -> None:
    """In the engine, before the fork server starts: import what every step process
    needs once, instead of once per process, and keep the manifests (by step name),
    which every step process then inherits."""
    import axl.io.artifacts
    import axl.runtime.logs
    import axl.runtime.runner
    from axl.io import get_handler

    manifests = list(manifests)
    _preloaded[0] = {m.step: m for m in manifests}
    for manifest in manifests:
        for output in manifest.outputs:
            get_handler(output.handler)
    if any(m.packages.requirements for m in manifests):
        import axl.runtime.packages
    if any(m.code is not None for m in manifests):
        import axl.runtime.extract  # noqa: F401


def preloaded() -> Mapping[str, Manifest]:
    """The manifests a fork server started now would give its step processes."""
    return _preloaded[0]


def manifest_ref(manifest: Manifest, inherited: Mapping[str, Manifest]) -> Manifest | str:
    """What to send a step process for ``manifest``: the step's name when the process
    inherited this very manifest (from ``inherited``, see :func:`preloaded`), else the
    manifest itself. A name may be sent to a process once (see :func:`take_manifest`)."""
    return manifest.step if inherited.get(manifest.step) is manifest else manifest


def take_manifest(ref: Manifest | str, inherited: dict[str, Manifest]) -> Manifest:
    """In a step process: the manifest the engine sent, or the inherited one it named
    (given up, so that no later step in this process gets an object a step has had)."""
    if isinstance(ref, str):
        return inherited.pop(ref)
    return ref


def _inherited() -> dict[str, Manifest]:
    """At a step process's start: its own copy of the manifests it inherited."""
    return dict(_preloaded[0])


class _Output:
    """The step's stdout and stderr in this process: text files on fds 1 and 2, which each
    step points at its own log. Made once per process, flushed between steps; made again
    only when a step replaced or closed ``sys.stdout`` or ``sys.stderr``."""

    files: tuple[Any, Any] | None = None

    @classmethod
    def redirect(cls, log_path: str) -> None:
        """Point fds 1 and 2 at the step's log (the last step's output is flushed already)."""
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(log_fd)
        files = cls.files
        if files is None or files != (sys.stdout, sys.stderr) or any(f.closed for f in files):
            sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
            cls.files = (sys.stdout, sys.stderr)
            if faulthandler.is_enabled():  # crash tracebacks go to the step's log
                faulthandler.enable(file=sys.stderr)

    @classmethod
    def flush(cls) -> None:
        """What the step wrote goes to its own log: our files and any a step put instead."""
        for file in {id(f): f for f in (*(cls.files or ()), sys.stdout, sys.stderr)}.values():
            with contextlib.suppress(Exception):
                file.flush()


def _start_process() -> None:
    """Once, as a step process starts: what every step in it shares."""
    # The objects inherited from the engine stay as they are: the collector leaves them
    # alone (it would otherwise walk, and so copy, every page of the inherited heap).
    gc.freeze()
    from axl.io.artifacts import use_global_hash_pool

    use_global_hash_pool()


def run_in_child(manifest: Manifest, log_path: str, durable: bool) -> tuple[int, dict[str, Any]]:
    """In a step's process: send output to the step's log, run the step, build the report."""
    code = EXIT_INTERNAL
    payload: dict[str, Any] = {"exit_code": code, "result": None, "error": None}
    try:
        _Output.redirect(log_path)
        from axl.runtime.runner import execute

        outcome = execute(manifest, durable=durable)
        payload = outcome.to_dict()
        code = outcome.exit_code
    except BaseException as exc:  # report anything rather than die silently
        payload["error"] = {"code": "internal", "message": f"{type(exc).__name__}: {exc}"}
    _Output.flush()
    return code, payload


def child_main(command_fd: int, result_fd: int, durable: bool) -> NoReturn:
    """A forked child: wait for one step, run it, report, exit."""
    code = EXIT_INTERNAL
    payload: dict[str, Any] = {"exit_code": code, "result": None, "error": None}
    try:
        inherited = _inherited()
        message = _read_all(command_fd)
        os.close(command_fd)
        if not message:  # dismissed without work
            os._exit(0)
        os.write(result_fd, ACCEPTED)
        _start_process()
        ref, log_path = pickle.loads(message)
        code, payload = run_in_child(take_manifest(ref, inherited), log_path, durable)
    except BaseException as exc:
        payload["error"] = {"code": "internal", "message": f"{type(exc).__name__}: {exc}"}
    finally:
        try:
            os.write(result_fd, json.dumps(payload, default=str).encode())
            os.close(result_fd)  # the engine sees the end now, not after our exit
        finally:
            os._exit(code)


def serve(command_fd: int, result_fd: int, durable: bool) -> NoReturn:
    """The worker's loop: one step per message, until the engine closes the pipe."""
    home = os.getcwd()
    inherited = _inherited()
    _start_process()
    while True:
        header = _read_exactly(command_fd, FRAME.size)
        if header is None:
            os._exit(0)
        (size,) = FRAME.unpack(header)
        body = _read_exactly(command_fd, size)
        if body is None:
            os._exit(0)
        write_all(result_fd, ACCEPTED)
        try:
            ref, log_path = pickle.loads(body)
            manifest = take_manifest(ref, inherited)
        except Exception as exc:  # never expected: the engine sent what it knows we hold
            error = {"code": "internal", "message": f"{type(exc).__name__}: {exc}"}
            payload = {"exit_code": EXIT_INTERNAL, "result": None, "error": error}
        else:
            _, payload = run_in_child(manifest, log_path, durable)
        with contextlib.suppress(OSError):
            os.chdir(home)  # a step that changed folder does not move the next one
        answer = json.dumps(payload, default=str).encode()
        write_all(result_fd, FRAME.pack(len(answer)) + answer)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to a blocking ``fd``."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
