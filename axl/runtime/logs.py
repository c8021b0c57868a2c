"""Structured logs: one JSON object per line on stderr, one line per event."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Protocol


class LogStream(Protocol):
    """Where events go: a text file (``sys.stderr``, a step's log) or a :class:`LazyLog`."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class LazyLog:
    """A log file made on the first write, appended to from then on.

    A step answered from the cache has nothing to say beyond its record, so its
    step folder gets no log unless the lookup warns (a damaged entry, say; the
    step's process then appends to the same file).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._made = False

    @property
    def written(self) -> bool:
        """Whether anything was written (the file exists), before or after :meth:`close`."""
        return self._made

    def write(self, text: str, /) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            self._made = True
        data = text.encode("utf-8", "replace")
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        return len(text)

    def flush(self) -> None:
        """Nothing to do: each write goes to the file at once."""

    def close(self) -> None:
        """Close the file, if it was made."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _timestamp() -> str:
    now = time.time()
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    return f"{seconds}.{int(now % 1 * 1000):03d}Z"


def log_event(
    status: str,
    *,
    workflow: str | None,
    step: str | None,
    run_id: str | None,
    level: str = "info",
    duration_ms: float | None = None,
    stream: LogStream | None = None,
    **fields: Any,
) -> None:
    """Write one event as a JSON line: ts, level, workflow, step, status, duration_ms, run_id."""
    record: dict[str, Any] = {
        "ts": _timestamp(),
        "level": level,
        "workflow": workflow,
        "step": step,
        "status": status,
        "duration_ms": None if duration_ms is None else round(duration_ms, 3),
        "run_id": run_id,
    }
    record.update({k: v for k, v in fields.items() if v is not None})
    out = stream or sys.stderr
    out.write(json.dumps(record, default=str) + "\n")
    out.flush()
