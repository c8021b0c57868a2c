"""The run record (``run.json``): status, timings and artifacts of every step of a local run.

``run.json`` is written when the run starts and when it ends; in between,
each step that ends is appended to ``journal.jsonl`` beside it (one JSON line
each, cheap and atomic for lines this small), so a run killed at any moment
keeps what it finished. :meth:`RunRecord.load` replays the journal over the
record; the end of the run compacts both into ``run.json``.

The records are plain dataclasses (``axl run local`` starts without
pydantic): ``to_dict`` gives their JSON data, ``from_dict`` reads it back
through :mod:`axl.dataclass_json`, refusing a missing, unknown or mistyped
field with a :class:`~axl.dataclass_json.DataError` that names its path.
"""

from __future__ import annotations

import json
import os
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.dataclass_json import DataError, load, plain
from axl.errors import InfrastructureError, UsageError
from axl.runtime.outputs import OutputInfo

__all__ = [
    "CACHED",
    "CANCELLED",
    "DONE_OK",
    "FAILED",
    "JOURNAL_FILE",
    "NOT_RUN",
    "PENDING",
    "RECORD_FILE",
    "RUNNING",
    "SETTLED",
    "SKIPPED",
    "STALE",
    "SUCCEEDED",
    "Journal",
    "OutputInfo",
    "RunRecord",
    "StepRecord",
    "read_journal",
    "storage_error",
]

RECORD_FILE = "run.json"
JOURNAL_FILE = "journal.jsonl"

# Step states. "not_run": never started (an upstream step failed, the run stopped, or
# --only left it out). "stale": it ran, but an input changed since (see RunRecord.key).
PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED, CACHED, NOT_RUN, CANCELLED, STALE = (
    "pending",
    "running",
    "succeeded",
    "failed",
    "skipped",
    "cached",
    "not_run",
    "cancelled",
    "stale",
)
DONE_OK = (SUCCEEDED, CACHED)
SETTLED = (SUCCEEDED, CACHED, SKIPPED)
"""States a step can end a successful run in."""


@dataclass(slots=True, kw_only=True)
class StepRecord:
    """What happened to one step.

    ``key`` is the digest of what the step consumed (code, params, env, the
    digests of its inputs; see :func:`axl.runtime.step_inputs.step_key`): when the
    inputs present now give another key, the step's result is stale.
    """

    name: str
    status: str = PENDING
    attempts: int = 0
    started: float | None = None
    finished: float | None = None
    duration_ms: float | None = None
    outputs: list[OutputInfo] = field(default_factory=list)
    error: dict[str, Any] | None = None
    reason: str | None = None
    log: str | None = None
    exit_code: int | None = None
    key: str | None = None
    cache: dict[str, Any] | None = None
    """A cached step's lookup: ``status`` (hit or miss), the cache ``key`` and its ``parts``
    (name -> digest), which ``axl cache explain`` compares with a later key."""

    def deep_copy(self) -> StepRecord:
        """A copy with its own outputs list, error and cache (what a later run may change)."""
        return replace(
            self,
            outputs=list(self.outputs),  # each OutputInfo is frozen: shared, not copied
            error=plain(self.error),
            cache=plain(self.cache),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data, the fields in declaration order (a journal line's order)."""
        return {  # by hand: once a step, where dataclass_json.plain costs about 5 times more
            "name": self.name,
            "status": self.status,
            "attempts": self.attempts,
            "started": self.started,
            "finished": self.finished,
            "duration_ms": self.duration_ms,
            "outputs": [output.to_dict() for output in self.outputs],
            "error": plain(self.error),
            "reason": self.reason,
            "log": self.log,
            "exit_code": self.exit_code,
            "key": self.key,
            "cache": plain(self.cache),
        }

    @classmethod
    def from_dict(cls, data: Any) -> StepRecord:
        """Rebuild from :meth:`to_dict` data (fields with defaults may be absent).

        Raises:
            DataError: a field is missing, unknown or of the wrong type.
        """
        return load(cls, data)


@dataclass(slots=True, kw_only=True)
class RunRecord:
    """A whole local run: written to ``<workspace>/runs/<run_id>/run.json``."""

    run_id: str
    workflow: str
    ref: str
    ir_hash: str
    status: str
    params: dict[str, Any]
    run_dir: str
    started: float
    finished: float | None = None
    duration_ms: float | None = None
    steps: dict[str, StepRecord] = field(default_factory=dict)
    target: str | None = None
    error: dict[str, Any] | None = None
    upstream: dict[str, list[str]] = field(default_factory=dict)
    """Each step's upstream steps (the DAG's edges); empty in records written before it."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data, the fields in declaration order."""
        return {
            "run_id": self.run_id,
            "workflow": self.workflow,
            "ref": self.ref,
            "ir_hash": self.ir_hash,
            "status": self.status,
            "params": plain(self.params),
            "run_dir": self.run_dir,
            "started": self.started,
            "finished": self.finished,
            "duration_ms": self.duration_ms,
            "steps": {name: step.to_dict() for name, step in self.steps.items()},
            "target": self.target,
            "error": plain(self.error),
            "upstream": {name: list(ups) for name, ups in self.upstream.items()},
        }

    @classmethod
    def from_dict(cls, data: Any) -> RunRecord:
        """Rebuild from :meth:`to_dict` data, steps and outputs included.

        Records of earlier axl versions, without the fields added since (all
        of which have defaults), are read as well.

        Raises:
            DataError: a field is missing, unknown or of the wrong type.
        """
        return load(cls, data)

    def save(self) -> Path:
        """Write ``run.json`` atomically in the run folder."""
        path = Path(self.run_dir) / RECORD_FILE
        tmp = path.with_name(f".{RECORD_FILE}.{os.getpid()}.tmp")
        # One line, without indent: json's C encoder writes it (the indenting one is pure
        # Python, and costs more than a whole step for a record of a few hundred steps).
        body = json.dumps(self.to_dict(), sort_keys=True) + "\n"
        try:
            tmp.write_text(body, encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise storage_error(f"cannot write the run record {path}", exc) from None
        return path

    def final_status(self) -> str:
        """``succeeded`` only when every step is succeeded, cached or skipped."""
        if all(step.status in SETTLED for step in self.steps.values()):
            return SUCCEEDED
        if any(step.status == CANCELLED for step in self.steps.values()):
            return CANCELLED
        return FAILED

    @classmethod
    def load(cls, run_dir: Path) -> RunRecord:
        """Read the record of an earlier run, with the steps its journal adds."""
        path = run_dir / RECORD_FILE
        try:
            record = cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, RecursionError) as exc:  # RecursionError: nested too deep
            why = str(exc) if isinstance(exc, DataError) else type(exc).__name__
            raise UsageError(
                f"cannot read the run record {path}: {why}",
                hint="check --run-id and --workspace; the run folder must hold run.json",
            ) from None
        for step in read_journal(run_dir):
            if step.name in record.steps:
                record.steps[step.name] = step
        return record


# A journal line as it always was: compact, its text as UTF-8 (not \u escapes).
_JOURNAL_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class Journal:
    """Appends each ended step to ``journal.jsonl``; one ``write`` a step."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / JOURNAL_FILE
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise storage_error(f"cannot write the run journal {self.path}", exc) from None

    def append(self, step: StepRecord) -> None:
        """Record one step as it is now."""
        line = _JOURNAL_LINE.encode(step.to_dict()) + "\n"
        try:
            os.write(self._fd, line.encode())
        except OSError as exc:
            raise storage_error(f"cannot write the run journal {self.path}", exc) from None

    def close(self, *, remove: bool) -> None:
        """Stop appending; ``remove`` once ``run.json`` holds everything it said."""
        os.close(self._fd)
        if remove:
            self.path.unlink(missing_ok=True)


def read_journal(run_dir: Path) -> list[StepRecord]:
    """The steps a journal recorded, in order; a torn last line (a kill) is ignored."""
    try:
        data = (run_dir / JOURNAL_FILE).read_bytes()
    except OSError:
        return []
    steps = []
    for line in data.splitlines():
        try:
            steps.append(StepRecord.from_dict(json.loads(line)))
        except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, DataError
            continue
    return steps


def storage_error(what: str, exc: OSError) -> InfrastructureError:
    """A one-line error for a file the engine cannot write (disk full, read-only)."""
    return InfrastructureError(
        f"{what}: {exc.strerror or exc}",
        hint="free some space, or point --workspace at a writable folder",
    )
