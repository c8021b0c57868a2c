"""The Dagster job and ``axl run local`` share one step cache: same code, same environment.

A local run fills a folder store; the in-memory job given that store
(``definitions(cls, cache_store=...)``) runs with ``execute_in_process``
and reuses every cached step, as the ops run the same runner with the same key.
"""

from __future__ import annotations

import json
from pathlib import Path

import axl
from axl.compiler.dagster import definitions
from tests.argo.cache_project import write_project
from tests.dagster.jobs import execute
from tests.fixtures.golden import load_class


def test_the_job_reuses_a_local_run_s_results(tmp_path: Path) -> None:
    cls = load_class(write_project(tmp_path / "project", "dagster_one"))
    store = str(tmp_path / "store")
    local = axl.run_local(cls, {}, workspace=tmp_path / "local", cache_store=store)
    assert local.ok and local.value == 60
    assert {n: s.status for n, s in local.record.steps.items()} == dict.fromkeys(
        ("load", "total"), "succeeded"
    )
    workspace = tmp_path / "dagster"
    defs = definitions(cls, workspace=workspace, cache_store=store, executor="in_process")
    (job,) = defs.jobs
    ran = execute(defs.resolve_job_def(job.name), {}, workspace)
    assert ran.result.success
    assert _statuses(ran.run_dir) == dict.fromkeys(("load", "total"), "hit")
    # The run record says so too, as a local run's does: cached, not succeeded.
    assert {n: s.status for n, s in ran.record.steps.items()} == dict.fromkeys(
        ("load", "total"), "cached"
    )
    assert ran.record.status == "succeeded"
    assert all(
        s.cache is not None and s.cache["status"] == "hit" for s in ran.record.steps.values()
    )


def _statuses(run_dir: Path) -> dict[str, str | None]:
    """Each op's cache status, from the runner's ``succeeded`` event in its step log."""
    found: dict[str, str | None] = {}
    for step in ("load", "total"):
        for line in (run_dir / step / "step.log").read_text().splitlines():
            event = json.loads(line)
            if event["status"] == "succeeded":
                found[step] = event.get("cache", {}).get("status")
    return found
