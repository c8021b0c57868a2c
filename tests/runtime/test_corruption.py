"""Corrupt or misplaced artifacts are never accepted, in run folders or in the cache."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from axl.runtime.api import run_local
from axl.runtime.record import StepRecord
from tests.runtime.engine_cli import run
from tests.runtime.workflows import Diamond


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def test_resume_reruns_a_producer_whose_final_output_is_corrupt(tmp_path: Path):
    first = run_local(Diamond, workspace=tmp_path, run_id="r")
    _damage(first.output_path("d"))
    resumed = run_local(Diamond, workspace=tmp_path, run_id="r", resume=True)
    assert resumed.ok
    assert "is corrupt" in (resumed.record.steps["d"].reason or "")
    assert resumed.record.steps["b"].reason is None  # kept as it was
    assert resumed.value == 112


def test_the_cli_result_line_survives_a_corrupt_final_output(tmp_path: Path):
    args = ("--run-id", "r", "--param", "hold=none")
    assert run("Held", tmp_path, *args).returncode == 0
    _damage(tmp_path / "runs" / "r" / "d" / "output.pkl")
    out = run("Held", tmp_path, "--run-id", "r", "--resume")
    assert out.returncode == 0, out.stderr
    assert "result: d = 112" in out.stdout


def test_an_intact_artifact_copied_into_another_steps_folder_is_refused(tmp_path: Path):
    first = run_local(Diamond, workspace=tmp_path, run_id="r")
    b, c = first.run_dir / "b", first.run_dir / "c"
    for name in ("output.pkl", "output.meta.json"):  # c's own files, self-consistent
        shutil.copy(c / name, b / name)
    resumed = run_local(Diamond, workspace=tmp_path, run_id="r", resume=True)
    assert resumed.ok
    assert "written by step 'c'" in (resumed.record.steps["b"].reason or "")
    assert resumed.output("b") == 11 and resumed.value == 112


def test_a_step_reading_a_misplaced_input_names_its_producer(tmp_path: Path):
    def swap(event: str, step: StepRecord) -> None:
        if event == "succeeded" and step.name == "b":
            run_dir = Path(step.outputs[0].path).parents[1]
            for name in ("output.pkl", "output.meta.json"):
                shutil.copy(run_dir / "a" / name, run_dir / "b" / name)

    result = run_local(Diamond, workspace=tmp_path, run_id="r", max_parallel=1, listener=swap)
    error = result.record.steps["d"].error or {}
    assert result.record.steps["d"].status == "failed"
    assert error["exit_code"] == 4
    assert "written by step 'a'" in error["message"] and "input 'b'" in error["message"]
    assert "rerun step 'b'" in error["hint"]
    resumed = run_local(Diamond, workspace=tmp_path, run_id="r", resume=True)
    assert resumed.ok and resumed.value == 112


def test_the_cli_advice_for_a_corrupt_input_is_resume(tmp_path: Path):
    code = (
        "import sys; from pathlib import Path\n"
        "from axl.runtime.api import run_local\n"
        "from tests.runtime.workflows import Diamond\n"
        "def damage(event, step):\n"
        "    if event == 'succeeded' and step.name == 'b':\n"
        "        p = Path(step.outputs[0].path); p.write_bytes(p.read_bytes() + b'x')\n"
        f"run_local(Diamond, workspace={str(tmp_path)!r}, run_id='r', max_parallel=1,"
        " listener=damage)\n"
    )
    import subprocess

    from tests.runtime.engine_cli import ROOT

    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
    record = json.loads((tmp_path / "runs" / "r" / "run.json").read_text())
    assert record["steps"]["d"]["status"] == "failed"
    assert "rerun step 'b'" in record["steps"]["d"]["error"]["hint"]


def _only_entry(cache: Path) -> Path:
    (entry,) = [p for p in cache.iterdir() if not p.name.startswith(".")]
    return entry


def test_cache_entries_are_copies_not_links_of_run_outputs(tmp_path: Path):
    first = run("BigAfterCache", tmp_path, "--run-id", "one")
    assert first.returncode == 0
    run_file = tmp_path / "runs" / "one" / "source" / "output.pkl"
    entry = _only_entry(tmp_path / "cache")
    assert run_file.stat().st_ino != (entry / "output.pkl").stat().st_ino
    _damage(run_file)  # the run's copy only
    second = run("BigAfterCache", tmp_path, "--run-id", "two")
    assert second.returncode == 0 and "hit   source" in second.stdout
    restored = tmp_path / "runs" / "two" / "source" / "output.pkl"
    assert restored.stat().st_ino != (entry / "output.pkl").stat().st_ino
    assert json.loads((restored.parent / "output.meta.json").read_text())["run_id"] == "two"


def test_a_damaged_cache_entry_is_a_miss_and_is_replaced(tmp_path: Path):
    assert run("BigAfterCache", tmp_path, "--run-id", "one").returncode == 0
    entry = _only_entry(tmp_path / "cache")
    data = entry / "output.pkl"
    data.chmod(0o644)
    _damage(data)
    second = run("BigAfterCache", tmp_path, "--run-id", "two")
    assert second.returncode == 0 and "hit   source" not in second.stdout
    third = run("BigAfterCache", tmp_path, "--run-id", "three")
    assert "hit   source" in third.stdout  # the entry was written anew


def test_a_self_consistent_artifact_copied_into_the_cache_is_not_loaded(tmp_path: Path):
    assert run("BigAfterCache", tmp_path, "--run-id", "one").returncode == 0
    entry = _only_entry(tmp_path / "cache")
    other = tmp_path / "runs" / "one" / "double"  # intact, but another step's result
    (entry / "output.pkl").chmod(0o644)
    shutil.copy(other / "output.pkl", entry / "output.pkl")  # entry.json names other bytes
    second = run("BigAfterCache", tmp_path, "--run-id", "two", "--json")
    assert second.returncode == 0
    summary = json.loads(second.stdout)
    assert summary["steps"]["source"]["status"] == "succeeded"  # rerun, not restored
    assert summary["steps"]["double"]["outputs"][0]["size"] > 6_000_000
