"""Every example as a Dagster job, run with ``execute_in_process``: the outputs of ``axl run local``.

Each workflow runs twice, as the module ``axl compile --target dagster``
writes (imported from a file) and as ``axl.compiler.dagster.to_job`` builds it
in memory; each step's output has the digest of a local run with the same
params, and the run folder (``<workspace>/runs/<Dagster run id>/``) has a
``run.json`` that ``RunRecord.load`` reads, as axl's tools do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from axl.compiler.dagster import to_job
from axl.compiler.dagster.target import import_root
from axl.dsl.params import resolve_params
from axl.ir import build_ir
from axl.runtime.record import RunRecord
from tests.dagster.jobs import (
    dagster_digests,
    execute,
    load_class,
    local_digests,
    module_job,
    only_job,
)

SECRET_ENV = {"DB_PASSWORD": "s3cr3t-db", "API_TOKEN": "s3cr3t-token"}

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "quickstart": ("examples/quickstart.py:Hello", {"greeting": "good morning"}),
    "iris-knn": ("examples/iris_knn.py:IrisKNN", {"n_neighbors": 3, "test_size": 0.25}),
    "churn": ("examples/churn_workflow.py:ChurnWorkflow", {}),
    "fan-in": ("tests/examples_wf/fan_in.py:FanIn", {}),
    "conditions-true": (
        "tests/examples_wf/conditions.py:Conditions",
        {"run_label": "nightly", "threshold": 0.5, "retries": 2, "region": "us"},
    ),
    "conditions-false": (
        "tests/examples_wf/conditions.py:Conditions",
        {"run_label": "quick look", "mode": "quick", "dry_run": True, "region": "apac"},
    ),
    "step-options": ("tests/examples_wf/step_options.py:StepOptions", {}),
}
"""Case -> workflow and the params of both runs."""
PACKAGES = {"step-options": "none"}
"""Cases whose steps name packages this environment lacks (torch): not checked."""


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("case", list(CASES))
def test_the_generated_module_and_the_in_memory_job_write_local_outputs(
    case: str, tmp_path: Path
) -> None:
    target, params = CASES[case]
    cls = load_class(target)
    ir = build_ir(cls)
    policy = PACKAGES.get(case, "check")
    local = local_digests(cls, params, tmp_path / "local", packages_policy=policy)

    module, path = module_job(
        ir,
        tmp_path,
        workspace=str(tmp_path / "generated"),
        python_path=import_root(ir.module) or (str(Path.cwd()),),
        packages_policy=policy,
    )
    from_file = execute(only_job(module.defs), params, tmp_path / "generated")
    in_memory = execute(
        to_job(cls, workspace=tmp_path / "memory", packages_policy=policy),
        params,
        tmp_path / "memory",
    )

    for ran in (from_file, in_memory):
        assert ran.result.success
        assert ran.record.status == "succeeded"
        assert ran.record.run_id == ran.result.run_id == ran.run_dir.name
        assert dagster_digests(ran) == local
        assert ran.record.params == resolve_params(cls, params).to_dict()  # defaults filled in
        assert RunRecord.load(ran.run_dir) == ran.record
        assert not (ran.run_dir / "journal.jsonl").exists()  # compacted into run.json
    skipped = {name for name, step in from_file.record.steps.items() if step.status == "skipped"}
    assert set(from_file.events("STEP_SKIPPED")) <= skipped
    assert set(ir.lookups()[0]) == set(local) | skipped
    for name, value in SECRET_ENV.items():
        assert value not in path.read_text(encoding="utf-8"), name
