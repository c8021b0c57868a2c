"""Run ids, the run lock, reusing a run id, and the leftovers of a killed run."""

from __future__ import annotations

from pathlib import Path

import pytest

from axl.errors import UsageError
from axl.runtime.api import run_local
from axl.runtime.run_folder import RunLock
from tests.runtime.engine_cli import run
from tests.runtime.workflows import Diamond


@pytest.mark.parametrize("run_id", ["../x", "/tmp/abs", ".", "..", "a/b", "-x", "x" * 129, "a b"])
def test_a_run_id_that_is_not_a_folder_name_is_refused(tmp_path: Path, run_id: str):
    out = run("Held", tmp_path / "ws", "--run-id", run_id, "--param", "hold=none")
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith(f"error: run id {run_id!r} is not valid")
    assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written, inside or outside the workspace


def test_reusing_a_finished_run_id_is_refused_with_a_hint(tmp_path: Path):
    first = run("Held", tmp_path, "--run-id", "r", "--param", "hold=none")
    assert first.returncode == 0, first.stderr
    again = run("Held", tmp_path, "--run-id", "r", "--param", "hold=none")
    assert again.returncode == 2
    assert "error: run r already exists" in again.stderr
    assert "--resume" in again.stderr


def test_a_run_id_in_use_by_a_live_process_is_refused(tmp_path: Path):
    lock = RunLock(tmp_path / "runs" / "busy")
    try:
        with pytest.raises(UsageError, match=r"run busy is in use by another process \(pid \d+\)"):
            run_local(Diamond, workspace=tmp_path, run_id="busy")
    finally:
        lock.release()
    assert run_local(Diamond, workspace=tmp_path, run_id="busy").ok  # free again


def test_a_stale_lock_of_a_dead_process_does_not_block(tmp_path: Path):
    run_dir = tmp_path / "runs" / "old"
    run_dir.mkdir(parents=True)
    (run_dir / "lock").write_text("999999\n")  # its owner is gone: no flock is held
    assert run_local(Diamond, workspace=tmp_path, run_id="old").ok


def test_leftover_temporary_files_are_removed_by_the_next_run_of_the_id(tmp_path: Path):
    result = run_local(Diamond, workspace=tmp_path, run_id="r")
    left = [
        result.run_dir / "b" / ".output.pkl.12345.0.tmp",
        result.run_dir / ".run.json.12345.tmp",
    ]
    for path in left:
        path.write_bytes(b"half")
    resumed = run_local(Diamond, workspace=tmp_path, run_id="r", resume=True)
    assert resumed.ok and resumed.value == 112
    assert not any(path.exists() for path in left)
