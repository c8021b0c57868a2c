"""Progress of a local run: a live table on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from axl.humanize import format_duration
from axl.runtime.record import StepRecord

_MARKS = {
    "started": "run ",
    "succeeded": "ok  ",
    "retrying": "retry",
    "failed": "FAIL",
    "not_run": "--  ",
    "skipped": "skip",
    "cached": "hit ",
    "cancelled": "stop",
    "stale": "stale",
}


class PlainProgress:
    """One line per event: ``ok   train  (1.2 s)``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def __call__(self, event: str, step: StepRecord) -> None:
        if event in ("not_run", "planned"):
            return
        line = f"{_MARKS.get(event, event):5} {step.name}"
        if event in ("succeeded", "failed", "retrying") and step.duration_ms is not None:
            line += f"  ({format_duration(step.duration_ms)})"
        if event == "retrying":
            line += f"  attempt {step.attempts} failed: {(step.error or {}).get('message', '')}"
        if event in ("skipped", "stale", "cancelled") and step.reason:
            line += f"  ({step.reason})"
        self.stream.write(line + "\n")
        self.stream.flush()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class LiveProgress:
    """A rich table redrawn on every event, started at the first one (the plan).

    No background thread: steps run in forked processes, and forking a
    process that has other threads is unsafe.
    """

    def __init__(self) -> None:
        self._rows: dict[str, tuple[str, str, str]] = {}
        self._live: Any = None

    def _table(self) -> Any:
        from rich.table import Table

        styles = {
            "succeeded": "green",
            "failed": "bold red",
            "running": "yellow",
            "skipped": "dim",
            "stale": "magenta",
            "cancelled": "bold yellow",
        }
        table = Table(box=None, show_header=True, header_style="bold")
        table.add_column("step")
        table.add_column("status")
        table.add_column("time", justify="right")
        table.add_column("")
        for name, (status, duration, note) in self._rows.items():
            style = styles.get(status, "")
            table.add_row(name, f"[{style}]{status}[/]" if style else status, duration, note)
        return table

    def __call__(self, event: str, step: StepRecord) -> None:
        status = {"started": "running", "planned": step.status}.get(event, event)
        duration = format_duration(step.duration_ms) if step.duration_ms is not None else ""
        note = f"attempt {step.attempts}" if step.attempts > 1 else ""
        if step.reason and event in ("skipped", "not_run", "stale", "cancelled"):
            note = step.reason
        self._rows[step.name] = (status, duration, note)
        if self._live is None:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(
                console=Console(),
                auto_refresh=False,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        self._live.update(self._table(), refresh=True)

    def __enter__(self) -> LiveProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
