"""Ctrl-C and SIGTERM during a local run: noted, then acted on by the engine's loop.

A signal never raises in the middle of the engine's bookkeeping: the handler
only records it and wakes the loop (through a pipe the loop watches), which
stops the steps, records the run as ``cancelled`` and then raises
:class:`RunInterrupted`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

from axl.dataclass_fast import dataclass

SIGNAL_DESCRIPTIONS = {signal.SIGINT: "SIGINT (Ctrl-C)", signal.SIGTERM: "SIGTERM"}


class RunInterrupted(KeyboardInterrupt):
    """A run was stopped by a signal; it is recorded as ``cancelled``."""

    def __init__(self, signum: int, record: Any = None) -> None:
        super().__init__(describe_signal(signum))
        self.signum = signum
        self.record = record
        """The run's record (a :class:`axl.runtime.record.RunRecord`), as saved."""

    @property
    def exit_code(self) -> int:
        """128 + the signal number: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum


@dataclass
class Interrupts:
    """What the loop reads: the first signal received, and a fd that wakes ``select``."""

    fd: int | None = None
    signum: int | None = None

    def clear_wakeups(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            while os.read(self.fd, 512):
                pass

    def describe(self) -> str:
        assert self.signum is not None
        return describe_signal(self.signum)


def describe_signal(signum: int) -> str:
    """``SIGINT (Ctrl-C)``, ``SIGTERM``, or the signal's name."""
    try:
        sig = signal.Signals(signum)
    except ValueError:
        return f"signal {signum}"
    return SIGNAL_DESCRIPTIONS.get(sig, sig.name)


@contextlib.contextmanager
def watch_interrupts() -> Iterator[Interrupts]:
    """Catch SIGINT and SIGTERM for the duration (main thread only; elsewhere a no-op)."""
    state = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    os.set_blocking(write_fd, False)

    def note(signum: int, _frame: FrameType | None) -> None:
        if state.signum is None:
            state.signum = signum

    old_wakeup = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    old = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    state.fd = read_fd
    try:
        yield state
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(old_wakeup)
        os.close(read_fd)
        os.close(write_fd)
