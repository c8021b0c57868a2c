"""`axl run local`: JSON summary, the failure message, exit codes, params files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def axl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "axl", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_iris_json_summary(tmp_path: Path):
    out = axl(
        "run", "local", "-m", "examples/iris_knn.py:IrisKNN", "--json", "--workspace", str(tmp_path)
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["ok"] is True and doc["status"] == "succeeded"
    assert doc["final_step"] == "evaluate"
    assert doc["value"] > 0.9
    assert set(doc["steps"]) == {"load_data", "split", "train", "evaluate"}
    assert all(s["status"] == "succeeded" for s in doc["steps"].values())
    assert doc["steps"]["train"]["outputs"][0]["digest"].startswith("blake3:")


def test_plain_output_prints_the_result(tmp_path: Path):
    out = axl(
        "run",
        "local",
        "-m",
        "examples/iris_knn.py:IrisKNN",
        "--workspace",
        str(tmp_path),
        "--run-id",
        "demo",
    )
    assert out.returncode == 0, out.stderr
    assert "ok    evaluate" in out.stdout
    assert "result: evaluate = 0.9" in out.stdout
    assert "run demo succeeded" in out.stdout


def test_failure_names_step_exception_log_and_rerun(tmp_path: Path):
    out = axl(
        "run",
        "local",
        "-m",
        "tests/runtime/workflows.py:Boom",
        "--workspace",
        str(tmp_path),
        "--run-id",
        "bad",
    )
    assert out.returncode == 3
    assert (
        "error: step 'explode' failed after 1 attempt(s): step 'explode' raised ValueError: bad value 1"
        in out.stderr
    )
    log = tmp_path / "runs" / "bad" / "explode" / "step.log"
    assert f"log: {log}" in out.stderr
    rerun = f"rerun this step: axl run local -m tests/runtime/workflows.py:Boom --run-id bad --only explode --workspace {tmp_path}"
    assert rerun in out.stderr
    assert "Traceback" not in out.stderr


def test_params_file_overrides_defaults_and_flags_override_file(tmp_path: Path):
    params = tmp_path / "p.yaml"
    params.write_text("n_neighbors: 1\ntest_size: 0.5\n")
    out = axl(
        "run",
        "local",
        "-m",
        "examples/iris_knn.py:IrisKNN",
        "--json",
        "--workspace",
        str(tmp_path),
        "--params",
        str(params),
        "--param",
        "n_neighbors=3",
    )
    assert out.returncode == 0, out.stderr
    record = json.loads(
        (tmp_path / "runs" / json.loads(out.stdout)["run_id"] / "run.json").read_text()
    )
    assert record["params"] == {"n_neighbors": 3, "test_size": 0.5}


def test_bad_param_exit_2_before_running(tmp_path: Path):
    out = axl(
        "run",
        "local",
        "-m",
        "examples/iris_knn.py:IrisKNN",
        "--param",
        "nope=1",
        "--json",
        "--workspace",
        str(tmp_path),
    )
    assert out.returncode == 2
    assert json.loads(out.stdout)["error"]["code"] == "invalid_params"
    assert not (tmp_path / "runs").exists()


def test_import_error_in_workflow_file(tmp_path: Path):
    (tmp_path / "wf.py").write_text("import not_here_xyz\n")
    out = axl("run", "local", "-m", "wf.py:W", cwd=tmp_path)
    assert out.returncode == 2
    assert "wf.py:1" in out.stderr and "not_here_xyz" in out.stderr
