"""The run record tells the truth: journaled as steps end, never "succeeded" after an abort."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from axl.errors import ArtifactError
from axl.runtime.api import run_local
from axl.runtime.record import JOURNAL_FILE, RunRecord, StepRecord
from tests.runtime.engine_cli import MODES, run, start
from tests.runtime.workflows import Diamond, Gate


@pytest.mark.parametrize("isolation", MODES)
def test_a_killed_run_keeps_what_it_finished_and_resume_reruns_only_the_rest(
    tmp_path: Path, isolation: str
):
    marker = tmp_path / "marker"
    args = ("--run-id", "k", "--isolation", isolation, "--param", f"marker={marker}")
    proc = start("KillsEngine", tmp_path, *args)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL  # step c killed the engine's process group
    run_dir = tmp_path / "runs" / "k"
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"
    assert (run_dir / JOURNAL_FILE).exists()
    killed = RunRecord.load(run_dir)
    assert killed.steps["a"].status == killed.steps["b"].status == "succeeded"
    out = run("KillsEngine", tmp_path, "--run-id", "k", "--isolation", isolation, "--resume")
    assert out.returncode == 0, out.stderr
    assert "result: c = 3" in out.stdout
    resumed = RunRecord.load(run_dir)
    for name in ("a", "b"):  # not rerun
        assert resumed.steps[name].started == killed.steps[name].started
        assert resumed.steps[name].attempts == 1
    assert resumed.status == "succeeded"
    assert not (run_dir / JOURNAL_FILE).exists()  # compacted into run.json


def test_resume_works_when_the_kill_came_before_the_first_record(tmp_path: Path):
    (tmp_path / "runs" / "early").mkdir(parents=True)  # the folder, and nothing in it
    result = run_local(Diamond, workspace=tmp_path, run_id="early", resume=True)
    assert result.ok and result.value == 112


def test_an_engine_side_artifact_error_is_a_failed_run_not_a_succeeded_one(tmp_path: Path):
    """``deploy``'s condition reads ``score``; a corrupt ``score`` stops the engine."""

    def corrupt(event: str, step: StepRecord) -> None:
        if event == "succeeded" and step.name == "score":
            path = Path(step.outputs[0].path)
            path.write_bytes(path.read_bytes() + b"x")

    with pytest.raises(ArtifactError, match="is corrupt"):
        run_local(Gate, workspace=tmp_path, run_id="g", listener=corrupt)
    record = RunRecord.load(tmp_path / "runs" / "g")
    assert record.status == "failed"
    assert record.error is not None and record.error["code"] == "artifact"


def test_the_journal_holds_each_step_as_it_ends(tmp_path: Path):
    seen: list[list[str]] = []
    run_dir = tmp_path / "runs" / "j"

    def look(event: str, step: StepRecord) -> None:
        if event == "succeeded":
            lines = (run_dir / JOURNAL_FILE).read_text().splitlines()
            seen.append([json.loads(line)["name"] for line in lines])

    result = run_local(Diamond, workspace=tmp_path, run_id="j", max_parallel=1, listener=look)
    assert result.ok
    assert seen[0] == ["a"] and len(seen[-1]) == 4
    assert seen == [seen[-1][: i + 1] for i in range(4)]


def test_a_torn_last_journal_line_is_ignored(tmp_path: Path):
    result = run_local(Diamond, workspace=tmp_path, run_id="t")
    run_dir = result.run_dir
    record = json.loads((run_dir / "run.json").read_text())
    record["status"] = "running"
    for step in record["steps"].values():
        step["status"] = "pending"
    (run_dir / "run.json").write_text(json.dumps(record))
    line = json.dumps(result.record.steps["a"].to_dict())
    (run_dir / JOURNAL_FILE).write_text(line + "\n" + line[:20])
    loaded = RunRecord.load(run_dir)
    assert loaded.steps["a"].status == "succeeded"
    assert loaded.steps["b"].status == "pending"


def test_a_full_disk_is_a_one_line_storage_error(tmp_path: Path):
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(small)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        out = run("BigAfterCache", small, "--run-id", "full")
        assert out.returncode == 4, out.stderr
        assert "Traceback" not in out.stderr and "internal error" not in out.stderr
        assert "No space left on device" in out.stderr
        run_dir = small / "runs" / "full"
        record = RunRecord.load(run_dir)
        assert record.status == "failed"
        for data in run_dir.glob("*/output.*"):  # no output without its sidecar
            if not data.name.endswith(".meta.json"):
                assert (data.parent / "output.meta.json").exists()
    finally:
        subprocess.run(["umount", str(small)], check=False)


def test_a_workspace_that_cannot_be_written_is_a_storage_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = run("Held", blocker / "ws", "--param", "hold=none")
    assert out.returncode == 4, out.stderr
    assert out.stderr.startswith("error: cannot create the run folder")
    assert "Traceback" not in out.stderr


def test_a_read_only_workspace_is_a_storage_error(tmp_path: Path):
    if os.geteuid() == 0:
        ro = Path("/proc/axl-workspace")  # root writes through permissions; /proc refuses all
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
    out = run("Held", ro, "--param", "hold=none")
    assert out.returncode == 4, out.stderr
    assert "Traceback" not in out.stderr
