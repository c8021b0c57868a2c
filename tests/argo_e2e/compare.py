"""Check that a workflow run by the controller double gave what ``axl run local`` gives."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from axl.io.artifacts import read_artifact, read_meta
from tests.argo.helpers import runner_call
from tests.argo_e2e.controller import WorkflowRun

DATA_VOLUME = "axl-data"


def step_tasks(doc: Mapping[str, Any]) -> dict[str, str]:
    """Step name -> DAG task name, read from each container's manifest."""
    out = {}
    for template in doc["spec"]["templates"]:
        if "container" in template:
            _, manifest = runner_call(template)
            out[manifest.step] = template["name"]
    return out


def output_file(run: WorkflowRun, doc: Mapping[str, Any], step: str) -> Path:
    """The data file a step wrote: in its output artifact, or on the pvc-mode volume."""
    task = step_tasks(doc)[step]
    if "volumeClaimTemplates" in doc["spec"]:
        folder = run.root / "volumes" / DATA_VOLUME / run.name / step
    else:
        folder = run.artifact(task)
    (data,) = [p for p in folder.iterdir() if not p.name.endswith(".meta.json")]
    return data


def assert_matches_local(run: WorkflowRun, doc: Mapping[str, Any], local: Mapping[str, Any]) -> Any:
    """Every step ran (or was skipped) as locally, and wrote byte-identical artifacts.

    ``local`` is the ``--json`` report of ``axl run local``. Returns the
    final step's value as the run in containers produced it (None when a
    ``when`` skipped the final step, as locally).
    """
    assert run.succeeded, run.report()
    assert local["ok"], local
    tasks = step_tasks(doc)
    assert set(tasks) == set(local["steps"])
    for step, info in local["steps"].items():
        phase = run.tasks[tasks[step]].phase
        if info["status"] == "skipped":
            assert phase in ("Skipped", "Omitted"), (step, phase)
            continue
        assert phase == "Succeeded", (step, run.report())
        (expected,) = info["outputs"]
        data = output_file(run, doc, step)
        meta = read_meta(data)
        assert (meta.digest, meta.size) == (expected["digest"], expected["size"]), step
        assert data.name == Path(expected["path"]).name
    if local["steps"][local["final_step"]]["status"] == "skipped":
        assert local.get("value") is None, local
        return None
    final = read_artifact(output_file(run, doc, local["final_step"]))
    if "value" in local:
        assert final == local["value"]
    return final
