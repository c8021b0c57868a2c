"""Fork a step process wired to the engine by two pipes (shared by both forked pools)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn


@dataclass
class Child:
    """A forked process and the engine's ends of its pipes."""

    pid: int
    command_fd: int
    result_fd: int


def fork_child(engine_fds: set[int], main: Callable[[int, int], NoReturn]) -> Child:
    """Fork; the child closes every engine pipe end it inherited and runs
    ``main(command_read_fd, result_write_fd)``, which must never return.

    ``engine_fds`` (the engine's open pipe ends) gains the new child's ends:
    a later child must not keep them open, or the engine would never see EOF.
    """
    command_r, command_w = os.pipe()
    result_r, result_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        for fd in engine_fds | {command_w, result_r}:
            with contextlib.suppress(OSError):
                os.close(fd)
        main(command_r, result_w)
    os.close(command_r)
    os.close(result_w)
    os.set_blocking(result_r, False)
    engine_fds.update((command_w, result_r))
    return Child(pid, command_w, result_r)


def close_quietly(engine_fds: set[int], fd: int) -> None:
    """Close one of the engine's pipe ends (once) and forget it."""
    engine_fds.discard(fd)
    with contextlib.suppress(OSError):
        os.close(fd)
