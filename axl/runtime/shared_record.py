"""A run record kept by the steps themselves: each step's process records its own step.

On Dagster no engine of axl's watches a run: every op runs one step, in the
executor's process or a process of its own, and several may end at once.
Each records its step in the run folder the way ``axl run local`` does
(``run.json`` written when the run starts, each step appended to
``journal.jsonl``, both compacted into ``run.json`` at the end), holding the
run folder's lock (the ``lock`` file :class:`~axl.runtime.run_folder.RunLock`
takes) for the few milliseconds an update takes.

No process knows when the run ends, so each update also settles the steps
that can no longer run, as Dagster's own plan does (a step with a skipped
input is skipped, one with a failed or unrun input is not run, a step left
out of the run's selection is not run), and once no step is pending or
running, the record gets its final status: ``succeeded`` only when every
step succeeded or was skipped.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.errors import InfrastructureError
from axl.runtime.record import (
    CANCELLED,
    FAILED,
    JOURNAL_FILE,
    NOT_RUN,
    PENDING,
    RECORD_FILE,
    RUNNING,
    SKIPPED,
    Journal,
    RunRecord,
    StepRecord,
    storage_error,
)
from axl.runtime.run_folder import LOCK_FILE, tag_workspace

LOCK_WAIT = 60.0
"""Seconds an update waits for the run folder's lock before it gives up."""
_UNRESOLVED = (PENDING, RUNNING)
_BLOCKING = (FAILED, NOT_RUN, CANCELLED)


@dataclass(frozen=True)
class RunInfo:
    """What the record says of the whole run, written by whichever step starts first."""

    run_id: str
    workflow: str
    ref: str
    ir_hash: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Settled:
    """A step that can no longer run, decided from its inputs."""

    name: str
    status: str
    reason: str


class SharedRecord:
    """The record of one run in ``run_dir``; ``upstream`` lists every step in topological order.

    ``selected``: the steps this run executes (None: all of them); the
    others end ``not_run``, except those in ``kept``: the results this run
    takes from the run it re-executes, recorded as they are (their outputs
    in that run's folder) from the start.
    """

    def __init__(
        self,
        run_dir: Path,
        info: RunInfo,
        upstream: Mapping[str, Sequence[str]],
        selected: frozenset[str] | None = None,
        kept: Mapping[str, StepRecord] | None = None,
    ) -> None:
        self.run_dir = run_dir
        self.info = info
        self.upstream = upstream
        self.selected = selected
        self.kept = kept or {}

    def update(self, step: StepRecord) -> StepRecord:
        """Record ``step`` as it is now; returns it (its first start kept across attempts).

        Steps that can no longer run are settled, and the run finished when
        nothing is left to run.
        """
        with _locked(self.run_dir):
            steps = self._ensure_record()
            before = steps.get(step.name, {})
            if before.get("started") is not None:
                step = replace(step, started=before["started"])
            changes = [step]
            steps[step.name] = {"status": step.status}
            for found in settle(steps, self.upstream, self.selected):
                changes.append(
                    StepRecord(name=found.name, status=found.status, reason=found.reason)
                )
                steps[found.name] = {"status": found.status}
            journal = Journal(self.run_dir)
            try:
                for change in changes:
                    journal.append(change)
            finally:
                journal.close(remove=False)
            if not any(state.get("status") in _UNRESOLVED for state in steps.values()):
                self._finish()
        return step

    def load(self) -> RunRecord:
        """The record as it is now (the journal replayed)."""
        return RunRecord.load(self.run_dir)

    def _ensure_record(self) -> dict[str, dict[str, Any]]:
        """Each step's last recorded state (``run.json`` written first if it is not there)."""
        path = self.run_dir / RECORD_FILE
        if not path.exists():
            RunRecord(
                run_id=self.info.run_id,
                workflow=self.info.workflow,
                ref=self.info.ref,
                ir_hash=self.info.ir_hash,
                status=RUNNING,
                params=dict(self.info.params),
                run_dir=str(self.run_dir),
                started=time.time(),
                steps={
                    name: self.kept.get(name) or StepRecord(name=name) for name in self.upstream
                },
                upstream={name: list(ups) for name, ups in self.upstream.items()},
            ).save()
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            journal = (self.run_dir / JOURNAL_FILE).read_bytes().splitlines()
        except FileNotFoundError:
            journal = []
        except (OSError, ValueError) as exc:
            raise InfrastructureError(
                f"cannot read the run record in {self.run_dir}: {exc}",
                hint="the run folder was changed by hand; start a new run",
            ) from None
        steps: dict[str, dict[str, Any]] = {
            name: dict(state) for name, state in record.get("steps", {}).items()
        }
        for line in journal:
            try:
                state = json.loads(line)
            except ValueError:  # a torn line, as RunRecord.load ignores it
                continue
            if isinstance(state, dict) and state.get("name") in steps:
                steps[state["name"]] = state
        return steps

    def _finish(self) -> None:
        record = RunRecord.load(self.run_dir)
        record.status = record.final_status()
        record.finished = time.time()
        record.duration_ms = round((record.finished - record.started) * 1000, 3)
        record.save()
        (self.run_dir / JOURNAL_FILE).unlink(missing_ok=True)


def settle(
    steps: Mapping[str, Mapping[str, Any]],
    upstream: Mapping[str, Sequence[str]],
    selected: frozenset[str] | None = None,
) -> list[Settled]:
    """The pending steps that can no longer run, in topological order; O(steps + edges).

    ``steps`` holds each step's state (its ``status``); ``upstream`` every
    step, in topological order. A pending step outside ``selected`` is not
    run; one whose inputs are all final is skipped when one was skipped (as
    Dagster skips an op whose input never came), else not run when one
    failed, was cancelled or did not run.
    """
    status = {name: steps.get(name, {}).get("status", PENDING) for name in upstream}
    found = []
    for name, ups in upstream.items():
        if status[name] != PENDING:
            continue
        if selected is not None and name not in selected:
            decided = Settled(name, NOT_RUN, "left out of the run's selection")
        else:
            inputs = [status[up] for up in ups]
            if any(state in _UNRESOLVED for state in inputs):
                continue
            if SKIPPED in inputs:
                decided = Settled(name, SKIPPED, "an upstream step was skipped")
            elif FAILED in inputs:
                decided = Settled(name, NOT_RUN, "an upstream step failed")
            elif any(state in _BLOCKING for state in inputs):
                decided = Settled(name, NOT_RUN, "an upstream step did not run")
            else:
                continue
        status[name] = decided.status
        found.append(decided)
    return found


@contextlib.contextmanager
def _locked(run_dir: Path) -> Iterator[None]:
    """Hold the run folder's lock, waiting for it at most :data:`LOCK_WAIT` seconds."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(run_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise storage_error(f"cannot create the run folder {run_dir}", exc) from None
    tag_workspace(run_dir)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        pause = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise InfrastructureError(
                        f"run {run_dir.name} has been locked by another process for "
                        f"{LOCK_WAIT:g} s",
                        hint="is `axl run local --run-id` running on the same run? "
                        "let it finish, then rerun the step",
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.2)
        yield
    finally:
        os.close(fd)
