"""The run record the ops keep: steps settled from their inputs, concurrent updates, the end."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from axl.runtime.record import RunRecord, StepRecord
from axl.runtime.shared_record import RunInfo, Settled, SharedRecord, settle

DIAMOND = {"a": (), "b": ("a",), "c": ("a",), "d": ("b", "c")}
INFO = RunInfo(run_id="r1", workflow="w", ref="m:W", ir_hash="blake3:0", params={"k": 1})


def states(**statuses: str) -> dict[str, dict[str, str]]:
    return {name: {"status": status} for name, status in statuses.items()}


@pytest.mark.parametrize(
    ("given", "settled"),
    [
        (states(a="running"), []),
        (states(a="succeeded"), []),  # b and c can run: Dagster will start them
        (
            states(a="skipped"),
            [
                Settled("b", "skipped", "an upstream step was skipped"),
                Settled("c", "skipped", "an upstream step was skipped"),
                Settled("d", "skipped", "an upstream step was skipped"),
            ],
        ),
        (
            states(a="succeeded", b="failed", c="running"),
            [],  # d waits for c: Dagster decides once both are done
        ),
        (
            states(a="succeeded", b="failed", c="succeeded"),
            [Settled("d", "not_run", "an upstream step failed")],
        ),
        (
            states(a="succeeded", b="failed", c="skipped"),
            [Settled("d", "skipped", "an upstream step was skipped")],  # as Dagster: skip wins
        ),
        (
            states(a="cancelled"),
            [
                Settled("b", "not_run", "an upstream step did not run"),
                Settled("c", "not_run", "an upstream step did not run"),
                Settled("d", "not_run", "an upstream step did not run"),
            ],
        ),
    ],
)
def test_steps_that_can_no_longer_run_are_settled_as_dagster_decides(given, settled):
    assert settle(given, DIAMOND) == settled


def test_steps_outside_the_selection_are_not_run():
    selected = frozenset({"a", "b", "d"})
    found = settle(states(a="succeeded"), DIAMOND, selected)
    assert found == [Settled("c", "not_run", "left out of the run's selection")]
    found = settle(states(a="succeeded", b="succeeded", c="not_run"), DIAMOND, selected)
    assert found == [Settled("d", "not_run", "an upstream step did not run")]


def _record(run_dir: str, name: str) -> None:
    shared = SharedRecord(Path(run_dir), INFO, DIAMOND)
    shared.update(StepRecord(name=name, status="running", attempts=1, started=1.0))
    shared.update(StepRecord(name=name, status="succeeded", attempts=1, started=2.0))


def test_steps_recorded_by_processes_at_once_all_land_and_the_run_ends(tmp_path: Path):
    run_dir = tmp_path / "runs" / "r1"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_record, args=(str(run_dir), n)) for n in DIAMOND]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    record = RunRecord.load(run_dir)
    assert {n: s.status for n, s in record.steps.items()} == dict.fromkeys(DIAMOND, "succeeded")
    assert all(step.started == 1.0 for step in record.steps.values())  # the first start kept
    assert record.status == "succeeded" and record.finished is not None
    assert record.params == {"k": 1} and record.run_id == "r1"
    assert not (run_dir / "journal.jsonl").exists()


def test_the_record_says_running_until_every_step_is_settled(tmp_path: Path):
    run_dir = tmp_path / "r1"
    shared = SharedRecord(run_dir, INFO, DIAMOND)
    shared.update(StepRecord(name="a", status="succeeded"))
    shared.update(StepRecord(name="b", status="failed"))
    assert shared.load().status == "running"  # c still to run
    shared.update(StepRecord(name="c", status="succeeded"))
    record = shared.load()
    assert record.status == "failed"
    assert record.steps["d"].status == "not_run"
