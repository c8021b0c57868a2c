"""Several local runs at once in one workspace: one shared cache, right results, one owner a run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from axl.io.artifacts import read_artifact
from axl.runtime.cache import ENTRY_FILE
from axl.runtime.record import CACHED, SUCCEEDED, RunRecord
from axl.runtime.run_folder import LOCK_FILE
from tests.runtime.trust_workflows import (
    broken_sidecars,
    expected_outputs,
    finish_cli,
    layered,
    read_marks,
    run_args,
    run_cli,
    start_cli,
)

SIZE = 3_000_000
SEEDS = (1, 1, 2, 2)  # two pairs: each pair shares cache entries, the pairs must not


def _check_outputs(record: RunRecord, expected: dict[str, bytes]) -> None:
    assert record.status == SUCCEEDED, record.steps
    for name, value in expected.items():
        out = record.steps[name].outputs[0]
        assert read_artifact(out.path, out.handler) == value, f"{record.run_id}: {name}"


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["worker", "fork", "subprocess"])
def test_four_runs_at_once_share_one_cache(tmp_path: Path, isolation: str):
    dag = layered(layers=3, width=3)
    dag.cached = frozenset(dag.names[::2])
    target = dag.write(tmp_path)
    workspace = tmp_path / "ws"
    mode = ("--isolation", isolation, "--max-parallel", "2", "--json")

    procs = [
        start_cli(
            *run_args(target, workspace, f"run-{i}", {"seed": seed, "size": SIZE}, *mode),
            capture=True,
        )
        for i, seed in enumerate(SEEDS)
    ]
    ends = [finish_cli(proc) for proc in procs]
    for code, out, err in ends:
        assert code == 0, err
        assert json.loads(out)["status"] == SUCCEEDED
    expected = {seed: expected_outputs(dag, seed, SIZE) for seed in set(SEEDS)}
    for i, seed in enumerate(SEEDS):
        _check_outputs(RunRecord.load(workspace / "runs" / f"run-{i}"), expected[seed])

    cache = workspace / "cache"
    entries = sorted(p for p in cache.iterdir() if not p.name.startswith("."))
    assert len(entries) == len(dag.cached) * len(set(SEEDS))  # one entry a key, no leftovers
    for entry in entries:
        assert json.loads((entry / ENTRY_FILE).read_text())["key"] == entry.name
    assert not broken_sidecars(cache)

    # A later run takes every cached step from the entries the concurrent runs left.
    again = run_cli(*run_args(target, workspace, "again", {"seed": 2, "size": SIZE}, *mode))
    assert again.returncode == 0, again.stderr
    record = RunRecord.load(workspace / "runs" / "again")
    _check_outputs(record, expected[2])
    assert {n for n, s in record.steps.items() if s.status == CACHED} == dag.cached


def _small_run(tmp_path: Path, run_id: str, marks: Path, nap: float = 2.5) -> list[str]:
    """Two steps; ``s00`` naps, so the run holds its folder that long."""
    target = layered(layers=1, width=2).write(tmp_path)
    params = {"marks": str(marks), "nap": nap, "nap_steps": "s00"}
    return run_args(target, tmp_path / "ws", run_id, params)


def test_same_run_id_at_once_one_runs_the_other_is_refused(tmp_path: Path):
    marks = tmp_path / "marks"
    args = _small_run(tmp_path, "same", marks)
    first, second = start_cli(*args, capture=True), start_cli(*args, capture=True)
    ends = {proc.pid: finish_cli(proc) for proc in (first, second)}
    codes = sorted(code for code, _, _ in ends.values())
    assert codes == [0, 2], ends
    winner = next(pid for pid, end in ends.items() if end[0] == 0)
    _, _, refused = next(end for end in ends.values() if end[0] == 2)
    assert "run same is in use by another process" in refused
    if "(pid " in refused:
        assert f"(pid {winner})" in refused
    assert sorted(read_marks(marks)) == ["s00", "s01"]  # the refused run ran nothing


def test_a_run_in_use_names_the_pid_of_its_owner(tmp_path: Path):
    args = _small_run(tmp_path, "busy", tmp_path / "marks")
    owner = start_cli(*args, capture=True)
    lock = tmp_path / "ws" / "runs" / "busy" / LOCK_FILE
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip() == str(owner.pid):
            break
        time.sleep(0.02)
    else:
        finish_cli(owner)
        raise AssertionError("the first run never took the run lock")
    refused = run_cli(*args)
    assert refused.returncode == 2
    assert f"error: run busy is in use by another process (pid {owner.pid})" in refused.stderr
    code, _, err = finish_cli(owner)
    assert code == 0, err


def test_a_finished_run_id_is_not_reused_without_resume(tmp_path: Path):
    args = _small_run(tmp_path, "done", tmp_path / "marks", nap=0)
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    before = (tmp_path / "ws" / "runs" / "done" / "run.json").read_bytes()
    again = run_cli(*args)
    assert again.returncode == 2
    assert "run done already exists" in again.stderr
    assert "--resume" in again.stderr
    assert (tmp_path / "ws" / "runs" / "done" / "run.json").read_bytes() == before
