"""``definitions(...)`` builds the job the module ``axl compile --target dagster`` writes.

The in-memory API builds Dagster objects directly from the compile's plan
(:mod:`axl.compiler.dagster.objects`) instead of executing the module's
source; Dagster's own snapshot of each job (ops, inputs, outputs,
descriptions, tags, retry policies, config schema, dependencies) must be the
same for every golden case, and so must the workspace resource.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dagster._core.snap import JobSnap

from axl.compiler.dagster import DagsterOptions, definitions
from tests.dagster.jobs import load_ir, module_job, only_job
from tests.dagster.test_golden import CASES


def _snapshot(job: Any) -> dict[str, Any]:
    snap = JobSnap.from_job_def(job)
    return {
        "id": snap.snapshot_id,
        "ops": sorted(op.name for op in job.graph.node_defs),
        "deps": {
            node: sorted(
                (up.node_name, up.output_name)
                for up in job.graph.dependency_structure.all_upstream_outputs_from_node(node)
            )
            for node in job.graph.node_dict
        },
        "retries": {op.name: op.retry_policy for op in job.graph.node_defs},
        "executor": (job.executor_def.name, type(job.executor_def).__name__),
        "resources": sorted(op.required_resource_keys for op in job.graph.node_defs),
        "config": job.config_mapping.config_schema.as_field().config_type.key
        if job.config_mapping
        else None,
    }


def _options(options: DagsterOptions) -> dict[str, Any]:
    return {
        "workspace": options.workspace,
        "python_path": options.python_path,
        "packages_policy": options.packages_policy,
        "name": options.name,
        "executor": options.executor,
        "max_concurrent": options.max_concurrent,
    }


@pytest.mark.parametrize(
    ("target", "options"), [(case[1], case[2]) for case in CASES], ids=[c[0] for c in CASES]
)
def test_the_in_memory_job_is_the_modules_job(
    target: str, options: DagsterOptions, tmp_path: Path
) -> None:
    ir = load_ir(target)
    module, _ = module_job(ir, tmp_path, **_options(options))
    in_memory = definitions(ir, **_options(options))
    assert _snapshot(only_job(in_memory)) == _snapshot(only_job(module.defs))
    ours = in_memory.resources["axl_workspace"]
    theirs = module.defs.resources["axl_workspace"]
    assert ours.folder == theirs.folder == options.workspace
