"""Reruns never keep stale results: --only marks what it outdated, --resume reruns it."""

from __future__ import annotations

from pathlib import Path

import pytest

from axl.errors import UsageError
from axl.runtime.api import run_local
from tests.runtime.engine_cli import run
from tests.runtime.engine_workflows import FailsOnce, FromFile


def _values(result) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {name: result.output(name) for name in result.outputs}


def test_only_marks_downstream_stale_and_resume_brings_it_up_to_date(tmp_path: Path):
    source = tmp_path / "source.txt"
    source.write_text("hi")
    params = {"source": str(source)}
    ws = tmp_path / "ws"
    first = run_local(FromFile, params, workspace=ws, run_id="r")
    assert first.value == 3  # "HI!"
    source.write_text("hello")
    only = run_local(FromFile, workspace=ws, run_id="r", only="read")
    assert only.record.steps["read"].status == "succeeded"
    assert only.record.steps["shout"].status == "stale"
    assert only.record.steps["count"].status in ("stale", "succeeded")
    assert only.status == "failed" and not only.ok
    with pytest.raises(Exception, match="did not finish"):
        only.raise_for_status()
    resumed = run_local(FromFile, workspace=ws, run_id="r", resume=True)
    assert resumed.ok
    assert _values(resumed) == {"read": "hello", "shout": "HELLO!", "count": 6}
    again = run_local(FromFile, workspace=ws, run_id="r", resume=True)  # nothing left to do
    assert again.ok and all(s.attempts == 1 for s in again.record.steps.values())


def test_only_with_an_unchanged_output_leaves_downstream_current(tmp_path: Path):
    source = tmp_path / "source.txt"
    source.write_text("same")
    ws = tmp_path / "ws"
    run_local(FromFile, {"source": str(source)}, workspace=ws, run_id="r")
    only = run_local(FromFile, workspace=ws, run_id="r", only="read")
    assert only.ok, only.record.steps
    assert only.record.steps["shout"].status == "succeeded"


def test_only_after_a_failure_does_not_report_the_run_succeeded(tmp_path: Path):
    broken = tmp_path / "broken"
    broken.write_text("")
    ws = tmp_path / "ws"
    failed = run_local(FailsOnce, {"broken": str(broken)}, workspace=ws, run_id="r")
    assert failed.record.steps["b"].status == "failed"
    only = run_local(FailsOnce, workspace=ws, run_id="r", only="a")
    assert not only.ok and only.status == "failed"
    assert only.record.steps["c"].status == "not_run"
    broken.unlink()
    resumed = run_local(FailsOnce, workspace=ws, run_id="r", resume=True)
    assert resumed.ok and resumed.value == 7


def test_changing_params_of_an_existing_run_is_refused(tmp_path: Path):
    source = tmp_path / "source.txt"
    source.write_text("hi")
    ws = tmp_path / "ws"
    run_local(FromFile, {"source": str(source)}, workspace=ws, run_id="r")
    for extra in ({"only": "shout"}, {"resume": True}):
        with pytest.raises(UsageError, match=r"run r was made with other params \(suffix\)"):
            run_local(FromFile, {"suffix": "?"}, workspace=ws, run_id="r", **extra)  # type: ignore[arg-type]
    same = run_local(FromFile, {"source": str(source)}, workspace=ws, run_id="r", only="shout")
    assert same.ok and same.record.params == {"source": str(source)}


def test_the_cli_shows_stale_steps_and_how_to_finish(tmp_path: Path):
    source = tmp_path / "source.txt"
    source.write_text("hi")
    args = ("--run-id", "r", "--param", f"source={source}")
    assert run("FromFile", tmp_path, *args).returncode == 0
    source.write_text("hello")
    only = run("FromFile", tmp_path, "--run-id", "r", "--only", "read")
    assert only.returncode == 1, only.stderr
    assert "stale shout" in only.stdout
    assert "did not finish (stale: shout" in only.stderr
    assert "--run-id r --resume" in only.stderr
    params = run("FromFile", tmp_path, "--run-id", "r", "--only", "read", "--param", "suffix=?")
    assert params.returncode == 2
    assert "other params (suffix)" in params.stderr
    resumed = run("FromFile", tmp_path, "--run-id", "r", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "result: count = 6" in resumed.stdout


def test_a_code_change_is_rerun_by_resume(tmp_path: Path):
    module = tmp_path / "flow.py"
    body = (
        "from axl import Workflow, step\n\n"
        "class Flow(Workflow):\n"
        "    @step\n    def a(self) -> int:\n        return {a}\n\n"
        "    @step\n    def b(self, a: int) -> int:\n        return a * 10\n"
    )
    module.write_text(body.format(a=1))
    ws = tmp_path / "ws"
    out = run_cli(module, ws, "--run-id", "r")
    assert "result: b = 10" in out.stdout
    module.write_text(body.format(a=2))
    out = run_cli(module, ws, "--run-id", "r", "--resume")
    assert "result: b = 20" in out.stdout, out.stderr


def run_cli(module: Path, ws: Path, *args: str):  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "axl", "run", "local", "-m", f"{module}:Flow",
         "--workspace", str(ws), *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out
