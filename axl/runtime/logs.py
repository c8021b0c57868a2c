"""Structured logs: one JSON object per line on stderr, one line per event."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO


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
    stream: TextIO | None = None,
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
