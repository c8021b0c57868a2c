"""The run record (``run.json``): status, timings and artifacts of every step of a local run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from axl.errors import UsageError

RECORD_FILE = "run.json"

# Step states. "not_run": never started because an upstream step failed (or the run stopped).
PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED, CACHED, NOT_RUN = (
    "pending",
    "running",
    "succeeded",
    "failed",
    "skipped",
    "cached",
    "not_run",
)
DONE_OK = (SUCCEEDED, CACHED)


class OutputInfo(BaseModel):
    """One artifact a step wrote."""

    name: str
    path: str
    handler: str
    digest: str
    size: int
    python_type: str


class StepRecord(BaseModel):
    """What happened to one step."""

    name: str
    status: str = PENDING
    attempts: int = 0
    started: float | None = None
    finished: float | None = None
    duration_ms: float | None = None
    outputs: list[OutputInfo] = Field(default_factory=list)
    error: dict[str, Any] | None = None
    reason: str | None = None
    log: str | None = None
    exit_code: int | None = None


class RunRecord(BaseModel):
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
    steps: dict[str, StepRecord] = Field(default_factory=dict)
    target: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data."""
        return self.model_dump(mode="json")

    def save(self) -> Path:
        """Write ``run.json`` atomically in the run folder."""
        path = Path(self.run_dir) / RECORD_FILE
        tmp = path.with_name(f".{RECORD_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, run_dir: Path) -> RunRecord:
        """Read the record of an earlier run."""
        path = run_dir / RECORD_FILE
        try:
            return cls.model_validate(json.loads(path.read_text()))
        except (OSError, ValueError, ValidationError) as exc:
            raise UsageError(
                f"cannot read the run record {path}: {type(exc).__name__}",
                hint="check --run-id and --workspace; the run folder must hold run.json",
            ) from None
