"""What ``axl runs show`` and the HTML report say about one run, gathered from its folder.

A :class:`RunView` is read from ``<workspace>/runs/<run id>/``: the run record
(``run.json`` with its journal replayed), the DAG's edges the record keeps, and
for each failed step the tail of its log. Nothing else is read, no artifact is
loaded, and the same folder always gives the same view.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.errors import UsageError
from axl.humanize import truncate
from axl.report.find import find_run
from axl.runtime.record import (
    CACHED,
    CANCELLED,
    FAILED,
    NOT_RUN,
    PENDING,
    RUNNING,
    SKIPPED,
    STALE,
    SUCCEEDED,
    RunRecord,
    StepRecord,
)

LOG_TAIL_LINES = 40
"""How many of a failed step's last log lines the report and ``--json`` carry."""
_LOG_TAIL_BYTES = 64 * 1024
_LOG_LINE_CHARS = 400

STATUS_ORDER = (SUCCEEDED, CACHED, SKIPPED, PENDING, RUNNING, STALE, NOT_RUN, CANCELLED, FAILED)
"""The order statuses are counted and listed in: how a run ended, worst last."""
FAILED_STATES = (FAILED, CANCELLED)
"""The statuses of steps whose error and log tail a report shows."""


@dataclass(frozen=True)
class StepView:
    """One step: its record, with what the report derives from the run around it."""

    record: StepRecord
    upstream: tuple[str, ...]
    kept: bool
    """Its result was kept from an earlier execution of the run (``--resume``, ``--only``)."""
    log: str | None
    log_tail: tuple[str, ...]
    """The last lines of the log of a failed or cancelled step (empty for the others)."""

    @property
    def name(self) -> str:
        """The step's name."""
        return self.record.name

    @property
    def status(self) -> str:
        """How the step ended (or ``pending``, ``running``)."""
        return self.record.status

    @property
    def cache_status(self) -> str | None:
        """``hit`` or ``miss`` for a ``cache=True`` step's lookup, else None."""
        cache = self.record.cache
        status = cache.get("status") if cache is not None else None
        return str(status) if status is not None else None

    @property
    def message(self) -> str | None:
        """The error's one-line message, if the step failed with one."""
        error = self.record.error
        message = error.get("message") if error is not None else None
        return str(message) if message is not None else None

    @property
    def notes(self) -> str:
        """What else there is to say: cache lookup, a kept result, the reason, the error."""
        said = []
        if self.cache_status is not None:
            said.append(f"cache {self.cache_status}")
        if self.kept:
            said.append("kept from an earlier execution")
        if self.record.reason:
            said.append(self.record.reason)
        if self.message:
            said.append(self.message)
        return "; ".join(said)

    def to_dict(self) -> dict[str, Any]:
        """The record's fields (without ``key``) and ``upstream``, ``kept``, ``log_tail``."""
        data = self.record.to_dict()
        del data["key"]
        data.update(upstream=list(self.upstream), kept=self.kept, log=self.log)
        data["log_tail"] = list(self.log_tail)
        return data


@dataclass(frozen=True)
class RunView:
    """A whole run: its record, and its steps in an order that respects every edge."""

    record: RunRecord
    path: str
    """The run's folder as it was found (the record's ``run_dir`` may be another machine's)."""
    steps: tuple[StepView, ...]

    @property
    def has_edges(self) -> bool:
        """False for a record written before runs kept the DAG's edges."""
        return bool(self.record.upstream)

    def step(self, name: str) -> StepView:
        """The step called ``name``."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def counts(self) -> list[tuple[str, int]]:
        """``(status, steps)`` for each status some step has, in :data:`STATUS_ORDER`."""
        found: dict[str, int] = {}
        for step in self.steps:
            found[step.status] = found.get(step.status, 0) + 1
        known = [(s, found.pop(s)) for s in STATUS_ORDER if s in found]
        return known + sorted(found.items())

    def to_dict(self) -> dict[str, Any]:
        """The run as the ``run`` object of ``axl runs show --json`` (see docs/reports.md)."""
        data = self.record.to_dict()
        for name in ("steps", "upstream", "run_dir"):
            del data[name]
        data["hash"] = data.pop("ir_hash")
        data.update(path=self.path, counts=dict(self.counts()))
        data["steps"] = [step.to_dict() for step in self.steps]
        return data


def load_run(workspace: Path, run_ref: str) -> RunView:
    """The run ``run_ref`` (its id, or a prefix only one run id has) of ``workspace``.

    Raises:
        RunNotFoundError: no run has that id or prefix.
        AmbiguousRunError: several run ids start with the prefix.
        UsageError: the run's folder holds no readable record.
    """
    folder = find_run(workspace, run_ref).resolve()
    try:
        record = RunRecord.load(folder)
    except UsageError as exc:
        raise UsageError(
            f"run {folder.name} has no readable record: {exc.message}",
            hint="a run that is still starting has none yet; axl runs ls lists the others "
            "as unreadable",
        ) from None
    return run_view(record, folder)


def run_view(record: RunRecord, folder: Path) -> RunView:
    """The view of ``record``, whose run folder is ``folder``."""
    names = list(record.steps)
    upstream = {
        name: tuple(up for up in record.upstream.get(name, ()) if up in record.steps)
        for name in names
    }
    steps = tuple(
        _step_view(record.steps[name], upstream[name], record, folder)
        for name in topological(names, upstream)
    )
    return RunView(record=record, path=str(folder), steps=steps)


def topological(names: Sequence[str], upstream: Mapping[str, Sequence[str]]) -> list[str]:
    """``names`` so that each comes after its upstream steps; ties by name.

    Steps left in a cycle (a record edited by hand) come last, by name.
    """
    waiting = {name: len(set(upstream.get(name, ()))) for name in names}
    downstream: dict[str, list[str]] = {name: [] for name in names}
    for name in names:
        for up in sorted(set(upstream.get(name, ()))):
            downstream[up].append(name)
    ready = [name for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for child in downstream[name]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    placed = set(order)
    return order + sorted(name for name in names if name not in placed)


def _step_view(
    step: StepRecord, upstream: tuple[str, ...], record: RunRecord, folder: Path
) -> StepView:
    log = _in_folder(step.log, record, folder)
    return StepView(
        record=step,
        upstream=upstream,
        kept=step.started is not None and step.started < record.started,
        log=log,
        log_tail=log_tail(Path(log)) if step.status in FAILED_STATES and log else (),
    )


def _in_folder(path: str | None, record: RunRecord, folder: Path) -> str | None:
    """``path``, a file of the run's folder when it ran, where that folder is now."""
    if path is None:
        return None
    try:
        inside = Path(path).relative_to(record.run_dir)
    except ValueError:
        return path
    return str(folder / inside)


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> tuple[str, ...]:
    """The last ``lines`` lines of a log (at most 64 KiB read, long lines cut; empty if
    there is no such file)."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            start = max(0, size - _LOG_TAIL_BYTES)
            f.seek(start)
            data = f.read(_LOG_TAIL_BYTES)
    except OSError:
        return ()
    text = data.decode("utf-8", errors="replace")
    found = text.splitlines()
    if start > 0 and found:
        found = found[1:]  # the first line was cut by the byte limit
    tail = found[-lines:] if lines > 0 else []
    return tuple(truncate(line, _LOG_LINE_CHARS) for line in tail)
