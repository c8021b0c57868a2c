"""SIGKILL a whole local run at random moments: nothing half-written shows, --resume finishes it.

The run is a 30-step layered DAG whose steps each write 4 MB. Each kill
stops the engine and every step process at once (the process group), at a
delay drawn within the length of a whole run, from a seeded generator so a
failure reproduces. After each kill:

* every sidecar in the run folder checks out against its data file, and every
  step the journal calls finished has the outputs it recorded;
* ``--resume`` exits 0 with the outputs of a fresh run;
* it runs each step the killed run had not finished exactly once, and none
  that it had: the steps run twice are at most those running at the kill.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path

import pytest

from axl.io.artifacts import read_artifact, verify_artifact
from axl.runtime.record import (
    JOURNAL_FILE,
    RECORD_FILE,
    SETTLED,
    SUCCEEDED,
    RunRecord,
    read_journal,
)
from tests.runtime.trust_workflows import (
    broken_sidecars,
    expected_outputs,
    kill_group,
    layered,
    read_marks,
    run_args,
    run_cli,
    start_cli,
)

SIZE = 4_000_000
PARALLEL = 2

pytestmark = pytest.mark.slow


def _digests(record: RunRecord) -> dict[str, str]:
    return {name: step.outputs[0].digest for name, step in record.steps.items()}


# 20 kills in the default mode (in two halves, so two test processes share them), fewer in
# the others; each (isolation, half) draws its own reproducible delays.
@pytest.mark.parametrize(
    ("isolation", "half", "kills"),
    [("worker", 1, 10), ("worker", 2, 10), ("fork", 1, 5), ("subprocess", 1, 3)],
)
def test_sigkill_at_random_moments_then_resume(
    tmp_path: Path, isolation: str, half: int, kills: int
):
    dag = layered(layers=6, width=5)
    target = dag.write(tmp_path)
    workspace = tmp_path / "ws"
    mode = ("--isolation", isolation, "--max-parallel", str(PARALLEL))

    began = time.monotonic()
    fresh = run_cli(*run_args(target, workspace, "fresh", {"size": SIZE}, *mode, "--json"))
    whole_run = time.monotonic() - began
    assert fresh.returncode == 0, fresh.stderr
    fresh_record = RunRecord.load(workspace / "runs" / "fresh")
    expected = expected_outputs(dag, seed=0, size=SIZE)
    final = dag.sinks()[-1]
    assert read_artifact(fresh_record.steps[final].outputs[0].path) == expected[final]
    fresh_digests = _digests(fresh_record)
    shutil.rmtree(workspace / "runs" / "fresh")

    rng = random.Random(f"crash-{isolation}-{half}")
    for i in range(kills):
        delay = rng.uniform(0, whole_run)
        where = f"{isolation} ({half}) kill {i} at {delay:.3f}s of a {whole_run:.3f}s run"
        run_id = f"kill-{i}"
        marks = tmp_path / f"marks-{i}"
        args = run_args(target, workspace, run_id, {"size": SIZE, "marks": str(marks)}, *mode)
        proc = start_cli(*args)
        time.sleep(delay)
        kill_group(proc)
        run_dir = workspace / "runs" / run_id

        # (a) no half-written artifact is visible
        broken = broken_sidecars(run_dir) if run_dir.exists() else []
        assert not broken, f"{where}: {broken}"
        killed = RunRecord.load(run_dir) if (run_dir / RECORD_FILE).exists() else None
        finished = {
            name: step
            for name, step in (killed.steps.items() if killed else ())
            if step.status in SETTLED
        }
        for name, step in finished.items():
            assert verify_artifact(step.outputs[0].path).digest == step.outputs[0].digest, where
        started_before = read_marks(marks)

        # (b) --resume finishes the run with a fresh run's outputs
        resumed = run_cli(*args, "--resume", "--json")
        assert resumed.returncode == 0, f"{where}: {resumed.stderr}"
        assert json.loads(resumed.stdout)["status"] == SUCCEEDED, where
        record = RunRecord.load(run_dir)
        assert record.status == SUCCEEDED, where
        assert _digests(record) == fresh_digests, where
        assert read_artifact(record.steps[final].outputs[0].path) == expected[final], where

        # (c) what had finished stays; what had not runs once; only steps in flight ran twice
        started_after = read_marks(marks)[len(started_before) :]
        assert sorted(started_after) == sorted(set(dag.names) - set(finished)), where
        twice = set(started_before) & set(started_after)
        assert len(twice) <= PARALLEL, f"{where}: ran again {sorted(twice)}"
        for name, step in finished.items():
            now = record.steps[name]
            assert (now.started, now.attempts, now.outputs) == (
                step.started,
                step.attempts,
                step.outputs,
            ), f"{where}: {name} changed"
        assert not list(run_dir.rglob("*.tmp")), where
        shutil.rmtree(run_dir)


def test_a_kill_leaves_no_step_succeeded_on_an_input_that_changed(tmp_path: Path):
    dag = layered(layers=2, width=1)  # s00 -> s01, which naps
    target = dag.write(tmp_path)
    workspace = tmp_path / "ws"
    args = run_args(target, workspace, "r", {"nap": 2.0, "nap_steps": "s01"})
    assert run_cli(*args, timeout=60).returncode == 0
    dag.versions["s00"] = 1
    dag.write(tmp_path)
    run_dir = workspace / "runs" / "r"
    proc = start_cli(*args, "--resume")
    try:  # s00 reruns at once, with a new value; kill while s01 reruns on it
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            journal = run_dir / JOURNAL_FILE
            if journal.exists() and any(s.name == "s00" for s in read_journal(run_dir)):
                break
            time.sleep(0.02)
    finally:
        kill_group(proc)
    record = RunRecord.load(run_dir)
    expected = expected_outputs(dag, seed=0, size=1000)
    assert read_artifact(record.steps["s00"].outputs[0].path) == expected["s00"]
    s01 = record.steps["s01"]
    assert s01.status not in SETTLED, "s01 is recorded done on the old value of s00"
