"""Every example as a process: ``dagster job execute -f dagster_job.py -c params.yaml``.

Each workflow is compiled with ``axl compile --target dagster``; Dagster runs
the job from the command line with a params file, and every step's output in
the run folder it wrote (``.axl/runs/<Dagster run id>/``) has the digest that
``axl run local --json`` reports for the same params. The CLI's default
executor is Dagster's multiprocess one (a process per op, each starting axl's
runner): it runs one example; the others are compiled with ``--executor
in_process`` (every op in the ``dagster`` process, each still starting the
runner).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("dagster")

from axl.dsl.loader import load_target
from axl.ir import build_ir
from tests.dagster.processes import (
    ROOT,
    assert_same_outputs,
    compile_job,
    dagster_execute,
    job_names,
    run_folders,
    run_local,
    write_params,
)

pytestmark = pytest.mark.slow

CONDITIONS = "tests/examples_wf/conditions.py:Conditions"

CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "quickstart": ("examples/quickstart.py:Hello", {"greeting": "good morning"}, "multiprocess"),
    "iris_knn": (
        "examples/iris_knn.py:IrisKNN",
        {"n_neighbors": 3, "test_size": 0.25},
        "in_process",
    ),
    "churn": ("examples/churn_workflow.py:ChurnWorkflow", {}, "in_process"),
    "params-and-when-true": (
        CONDITIONS,
        {"run_label": "nightly", "threshold": 0.5, "retries": 2, "region": "us"},
        "in_process",
    ),
    "params-and-when-false": (
        CONDITIONS,
        {"run_label": "quick look", "mode": "quick", "dry_run": True, "region": "apac"},
        "in_process",
    ),
}
"""Case -> workflow, params, the executor ``dagster job execute`` runs it with."""
EXECUTOR_LOG = {
    "multiprocess": "Executing steps using multiprocess executor",
    "in_process": "Executing steps in process",
}
"""What Dagster logs as the executor starts the run's steps."""


def dagster_run_status(home: Path) -> dict[str, str]:
    """Run id -> status of every run the Dagster instance in ``home`` recorded."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        return {run.run_id: run.status.value for run in instance.get_runs()}


def compile_case(case: str, folder: Path) -> tuple[str, Path, str, Path]:
    """The case's workflow target, its compiled module, the job's name and its params file."""
    target, params, executor = CASES[case]
    path, cls = target.split(":")
    target = f"{ROOT / path}:{cls}"
    flags = ["--executor", executor] if executor != "multiprocess" else []
    module = compile_job(target, folder / "dagster_job.py", *flags)
    (job,) = job_names(module)
    return target, module, job, write_params(folder / "params.yaml", params)


@pytest.mark.parametrize("case", list(CASES))
def test_dagster_job_execute_writes_the_outputs_of_axl_run_local(case: str, tmp_path: Path) -> None:
    target, module, job, params = compile_case(case, tmp_path)
    executor = CASES[case][2]
    home = tmp_path / "dagster-home"

    done = dagster_execute(module, job, params, home)

    assert done.returncode == 0, (
        f"dagster job execute exited {done.returncode}:\n{done.stderr[-6000:]}"
    )
    assert EXECUTOR_LOG[executor] in done.stderr
    (run_dir,) = run_folders(tmp_path / ".axl")
    assert dagster_run_status(home) == {run_dir.name: "SUCCESS"}
    local = run_local(target, params, tmp_path / "local" / ".axl")
    record = assert_same_outputs(run_dir, local)
    # The launchpad's config fills every default in: the record names each declared param.
    ir = build_ir(load_target(target).cls)
    defaults = {p.name: p.default for p in ir.params if not p.required and p.default is not None}
    assert record["params"] == {**defaults, **CASES[case][1]}


def test_a_params_file_without_a_required_param_runs_nothing(tmp_path: Path) -> None:
    _, module, job, _ = compile_case("params-and-when-false", tmp_path)
    params = write_params(tmp_path / "params.yaml", {"mode": "quick"})  # no run_label

    done = dagster_execute(module, job, params, tmp_path / "dagster-home")

    assert done.returncode != 0
    assert "run_label" in done.stderr
    assert run_folders(tmp_path / ".axl") == []


def test_a_params_file_with_a_value_outside_the_choices_runs_nothing(tmp_path: Path) -> None:
    _, module, job, _ = compile_case("params-and-when-false", tmp_path)
    params = write_params(tmp_path / "params.yaml", {"run_label": "x", "mode": "partial"})

    done = dagster_execute(module, job, params, tmp_path / "dagster-home")

    assert done.returncode != 0
    assert "partial" in done.stderr
    assert run_folders(tmp_path / ".axl") == []
