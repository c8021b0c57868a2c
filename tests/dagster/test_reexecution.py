"""Re-execution from failure, as the Dagster UI offers it: the new run reads what the old one kept.

The job module is compiled with ``--executor in_process`` and run with
``dagster.execute_job`` on a persistent instance (re-execution needs both, as
in the UI). The first run fails at ``fragile``; once its cause is gone,
``ReexecutionOptions.from_failure`` starts a second run holding only
``fragile`` and ``finish``: ``prepare`` is not run again, its output is read
from the first run's folder (checked against that run's record), and the
second run's record says where each step's result comes from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("dagster")

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository

from axl.io.artifacts import read_artifact
from axl.runtime.record import RunRecord
from tests.dagster.jobs import load_ir, local_digests, module_job
from tests.dagster.workflows import Recovers

TARGET = "tests/dagster/workflows.py:Recovers"


def _first_and_second(tmp_path: Path, *, damage: bool = False):
    state = tmp_path / "state"
    state.mkdir()
    (state / "broken").write_text("")
    workspace = tmp_path / "ws"
    _, module = module_job(
        load_ir(TARGET), tmp_path, workspace=str(workspace), executor="in_process"
    )
    job = ReconstructableRepository.for_file(str(module), "defs").get_reconstructable_job(
        "recovers"
    )
    config = {"state": str(state)}
    home = tmp_path / "dagster-home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        first = dg.execute_job(job, instance, run_config=config)
        assert not first.success
        (state / "broken").unlink()
        if damage:
            prepared = workspace / "runs" / first.run_id / "prepare" / "output.pkl"
            prepared.write_bytes(prepared.read_bytes() + b"\0")
        second = dg.execute_job(
            job,
            instance,
            run_config=config,
            reexecution_options=dg.ReexecutionOptions.from_failure(first.run_id, instance),
        )
        ops = sorted(
            event.step_key for event in second.all_events if event.event_type_value == "STEP_START"
        )
    return state, workspace, first, second, ops


def test_re_execution_from_failure_reads_the_kept_outputs(tmp_path: Path) -> None:
    state, workspace, first, second, ops = _first_and_second(tmp_path)

    assert second.success
    assert ops == ["finish", "fragile"]
    assert (state / "prepare-runs").read_text() == "1"
    before = RunRecord.load(workspace / "runs" / first.run_id)
    after = RunRecord.load(workspace / "runs" / second.run_id)
    assert before.status == "failed"
    assert after.status == "succeeded"
    assert {n: s.status for n, s in after.steps.items()} == dict.fromkeys(
        ("prepare", "fragile", "finish"), "succeeded"
    )
    kept = after.steps["prepare"]
    assert kept.reason == f"kept from Dagster run {first.run_id}"
    assert kept.outputs == before.steps["prepare"].outputs
    assert not (workspace / "runs" / second.run_id / "prepare").exists()
    local = local_digests(Recovers, {"state": str(state)}, tmp_path / "local")
    assert {n: s.outputs[0].digest for n, s in after.steps.items()} == local
    assert read_artifact(after.steps["finish"].outputs[0].path) == "42 from 21"


def test_a_kept_output_changed_since_fails_the_step_that_reads_it(tmp_path: Path) -> None:
    _, workspace, first, second, _ = _first_and_second(tmp_path, damage=True)

    assert not second.success
    after = RunRecord.load(workspace / "runs" / second.run_id)
    assert after.status == "failed"
    error = after.steps["fragile"].error
    assert error is not None and error["code"] == "artifact"
    assert "prepare/output.pkl" in error["message"]
    assert after.steps["finish"].status == "not_run"
