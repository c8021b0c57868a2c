"""The runs of a workspace, grouped by workflow and hash, and which of them a cleanup removes.

Every backend writes a run as ``<workspace>/runs/<run id>/`` with its
``run.json`` (``axl run local``, the Dagster ops); this module reads those
records without loading any artifact. A cleanup keeps the newest runs of
each workflow and never removes a run that is in use (its folder's lock is
held) or unfinished (``running`` or ``pending``: a killed run that
``--resume`` can still continue), unless asked to.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from axl.dataclass_fast import dataclass
from axl.errors import AxlError
from axl.runtime.record import RunRecord
from axl.runtime.run_folder import LOCK_FILE

UNFINISHED = frozenset({"running", "pending"})


@dataclass(frozen=True)
class RunSummary:
    """One run folder as its record describes it (``status`` ``unreadable`` without one)."""

    run_id: str
    path: Path
    workflow: str
    ir_hash: str
    status: str
    started: float | None
    duration_ms: float | None
    size: int
    """Bytes of every file in the folder."""
    in_use: bool
    """Another process holds the run's lock now."""

    def to_dict(self) -> dict[str, object]:
        """The fields as JSON data."""
        return {
            "run_id": self.run_id,
            "path": str(self.path),
            "workflow": self.workflow,
            "hash": self.ir_hash,
            "status": self.status,
            "started": self.started,
            "duration_ms": self.duration_ms,
            "size": self.size,
            "in_use": self.in_use,
        }


def list_runs(workspace: Path) -> list[RunSummary]:
    """Every run folder under ``workspace/runs``: by workflow, then newest first."""
    runs_dir = workspace / "runs"
    try:
        folders = [entry for entry in os.scandir(runs_dir) if entry.is_dir()]
    except FileNotFoundError:
        return []
    found = [_summary(Path(entry.path)) for entry in folders if not entry.name.startswith(".")]
    return sorted(found, key=lambda r: (r.workflow, -(r.started or 0.0), r.run_id))


def _summary(folder: Path) -> RunSummary:
    workflow, ir_hash, status = "?", "?", "unreadable"
    started = duration = None
    try:
        record = RunRecord.load(folder)
    except (AxlError, OSError, ValueError):  # listed as unreadable, never trusted
        record = None
    if record is not None:
        workflow, ir_hash, status = record.workflow, record.ir_hash, record.status
        started, duration = record.started, record.duration_ms
    return RunSummary(
        run_id=folder.name,
        path=folder,
        workflow=workflow,
        ir_hash=ir_hash,
        status=status,
        started=started,
        duration_ms=duration,
        size=_size(folder),
        in_use=_in_use(folder),
    )


def _size(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def _in_use(folder: Path) -> bool:
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def to_remove(
    runs: Iterable[RunSummary], keep: int, *, include_unfinished: bool = False
) -> list[RunSummary]:
    """The runs beyond the ``keep`` newest of each workflow that may go.

    A run in use is never chosen; an unfinished or unreadable one only with
    ``include_unfinished``. Kept runs count toward ``keep`` whatever their status.
    """
    chosen = []
    seen: dict[str, int] = {}
    for run in sorted(runs, key=lambda r: (r.workflow, -(r.started or 0.0), r.run_id)):
        seen[run.workflow] = seen.get(run.workflow, 0) + 1
        if seen[run.workflow] <= keep or run.in_use:
            continue
        if not include_unfinished and (run.status in UNFINISHED or run.status == "unreadable"):
            continue
        chosen.append(run)
    return chosen


def remove_run(run: RunSummary) -> bool:
    """Delete a run folder (renamed aside first, so no reader sees half of it); False if
    it came into use meanwhile or is gone."""
    try:
        fd = os.open(run.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        aside = run.path.with_name(f".{run.path.name}.{secrets.token_hex(4)}.removing")
        try:
            os.rename(run.path, aside)
        except OSError:
            return False
    finally:
        os.close(fd)
    shutil.rmtree(aside, ignore_errors=True)
    return True


def grouped(runs: Iterable[RunSummary]) -> Iterator[tuple[str, str, list[RunSummary]]]:
    """``(workflow, hash, runs)`` of ``runs`` sorted by :func:`list_runs`, newest hash first."""
    by_workflow: dict[str, dict[str, list[RunSummary]]] = {}
    for run in runs:
        by_workflow.setdefault(run.workflow, {}).setdefault(run.ir_hash, []).append(run)
    for workflow, hashes in by_workflow.items():
        for ir_hash, items in hashes.items():
            yield workflow, ir_hash, items
