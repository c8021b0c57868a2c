"""axl and Dagster as processes, and the comparison of a Dagster run folder with ``axl run local``.

:func:`compile_job` is ``axl compile --target dagster`` (``--executor`` chooses
Dagster's executor); :func:`dagster_execute` is
``dagster job execute -f MODULE -j JOB -c params.yaml``; :func:`run_local` is
``axl run local --json``; :func:`assert_same_outputs` compares what the Dagster
run wrote in its run folder with what the local run reported.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from axl.io.artifacts import verify_artifact
from axl.runtime.record import RECORD_FILE

ROOT = Path(__file__).resolve().parents[2]
COMPILE_SECONDS = 120
EXECUTE_SECONDS = 600
"""A whole ``dagster job execute`` of an example (each op starts axl's runner)."""


def _run(command: Sequence[str], cwd: Path, timeout: float, env: Mapping[str, str] | None = None):
    return subprocess.run(
        list(command),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def compile_job(target: str, out: Path, *options: str) -> Path:
    """``axl compile -m TARGET --target dagster --out OUT [options]``; the module written."""
    command = [sys.executable, "-m", "axl", "compile", "-m", target, "--target", "dagster"]
    done = _run([*command, "--out", str(out), *options], out.parent, COMPILE_SECONDS)
    assert done.returncode == 0, f"axl compile exited {done.returncode}:\n{done.stderr}"
    assert out.is_file()
    return out


def job_names(module: Path) -> list[str]:
    """The names of the jobs of ``module``'s ``defs``."""
    namespace = runpy.run_path(str(module), run_name=f"axl_test_{module.stem}")
    return [job.name for job in namespace["defs"].jobs]


def write_params(path: Path, params: Mapping[str, Any]) -> Path:
    """A params file: the run config of the generated job (the params at the top level)."""
    path.write_text(yaml.safe_dump(dict(params), sort_keys=True), encoding="utf-8")
    return path


def dagster_env(home: Path) -> dict[str, str]:
    """The environment of a Dagster process: its own ``DAGSTER_HOME``, telemetry off."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    env = dict(os.environ)
    env["DAGSTER_HOME"] = str(home)
    return env


def dagster_execute(
    module: Path, job: str, params: Path, home: Path
) -> subprocess.CompletedProcess[str]:
    """``dagster job execute -f MODULE -j JOB -c PARAMS`` in the module's folder."""
    command = [sys.executable, "-m", "dagster", "job", "execute", "-f", str(module)]
    command += ["-j", job, "-c", str(params)]
    return _run(command, module.parent, EXECUTE_SECONDS, dagster_env(home))


def run_local(target: str, params: Path, workspace: Path) -> dict[str, Any]:
    """``axl run local --json --params PARAMS``: its report (exit 0 asserted)."""
    command = [sys.executable, "-m", "axl", "run", "local", "-m", target, "--json"]
    command += ["--params", str(params), "--workspace", str(workspace)]
    workspace.parent.mkdir(parents=True, exist_ok=True)
    done = _run(command, workspace.parent, EXECUTE_SECONDS)
    assert done.returncode == 0, f"axl run local exited {done.returncode}:\n{done.stdout}"
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def run_folders(workspace: Path) -> list[Path]:
    """The run folders under ``workspace/runs``."""
    runs = workspace / "runs"
    return sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []


def assert_same_outputs(run_dir: Path, local: Mapping[str, Any]) -> dict[str, Any]:
    """Every step of the run in ``run_dir`` ended as locally, with the same output digests.

    Each data file is checked against its sidecar (size, digest, and that this
    step of this run wrote it). Returns the run folder's record.
    """
    assert local["ok"], local
    record = json.loads((run_dir / RECORD_FILE).read_text(encoding="utf-8"))
    assert record["run_id"] == run_dir.name
    assert record["status"] == "succeeded", record
    assert set(record["steps"]) == set(local["steps"])
    for step, expected in local["steps"].items():
        got = record["steps"][step]
        assert got["status"] == expected["status"], (step, got)
        if expected["status"] == "skipped":
            assert not _output_files(run_dir / step), step
            continue
        want = {
            o["name"]: (o["digest"], o["size"], Path(o["path"]).name) for o in expected["outputs"]
        }
        have = {o["name"]: (o["digest"], o["size"], Path(o["path"]).name) for o in got["outputs"]}
        assert have == want, step
        for output in got["outputs"]:
            data = run_dir / step / Path(output["path"]).name
            meta = verify_artifact(data, step=step, run_id=run_dir.name)
            assert (meta.digest, meta.size) == (output["digest"], output["size"]), step
    return record


def _output_files(folder: Path) -> list[Path]:
    """The artifacts and sidecars in a step's folder (none when the folder is absent)."""
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.name.startswith("output")]
