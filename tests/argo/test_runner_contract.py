"""Compiled containers run with the real runner and give what the local engine gives.

``tests/argo/pods.py`` plays Argo's part in-process (placeholders, artifact
placement, ``depends``/``when``); the container image end to end is covered
by the container tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from axl.compiler.argo import ArgoOptions, compile
from axl.io.artifacts import read_artifact
from axl.ir import build
from axl.runtime.api import run_local
from tests.argo.helpers import Diamond
from tests.argo.pods import Run, run_document
from tests.examples_wf.conditions import Conditions

ROOT = Path(__file__).resolve().parents[2]


def output(run: Run, doc: dict[str, Any], step: str) -> Any:
    """A step's value from where the compiled manifest said it would be."""
    if "volumeClaimTemplates" in doc["spec"]:
        folder = run.root / "data" / run.name / step
    else:
        folder = run.output_dir(step.replace("_", "-"))
    (path,) = [p for p in folder.iterdir() if not p.name.endswith(".meta.json")]
    return read_artifact(path)


@pytest.mark.parametrize("artifacts", ["s3", "pvc"])
def test_diamond_matches_the_local_engine(tmp_path, artifacts):
    doc = compile(build(Diamond).ir, ArgoOptions(artifacts=artifacts))
    run = run_document(doc, tmp_path, {"k": "5"})
    assert run.phases == dict.fromkeys("abcd", "Succeeded")
    local = run_local(Diamond, {"k": 5}, workspace=tmp_path / "local", isolation="fork")
    assert local.ok
    for step in "abcd":
        assert output(run, doc, step) == local.outputs[step]
    assert output(run, doc, "d") == 5 + 1 + 5 * 2


@pytest.mark.parametrize("artifacts", ["s3", "pvc"])
@pytest.mark.parametrize(
    ("params", "skipped"),
    [
        ({"run-label": "r1"}, {"retried"}),
        (
            {
                "run-label": "r2",
                "mode": "quick",
                "dry-run": "true",
                "retries": "2",
                "region": "apac",
            },
            {"full_report", "upload", "regional"},
        ),
    ],
)
def test_conditions_skip_the_same_steps_as_locally(tmp_path, params, skipped, artifacts):
    doc = compile(build(Conditions).ir, ArgoOptions(artifacts=artifacts))
    run = run_document(doc, tmp_path, params)
    local_params = {key.replace("-", "_"): value for key, value in params.items()}
    local = run_local(Conditions, local_params, workspace=tmp_path / "local", isolation="fork")
    assert local.ok
    local_skipped = {name for name, s in local.record.steps.items() if s.status == "skipped"}
    assert local_skipped == skipped
    argo_skipped = {name.replace("-", "_") for name, p in run.phases.items() if p != "Succeeded"}
    assert argo_skipped == skipped
    for step in set(local.outputs) - skipped:
        assert output(run, doc, step) == local.outputs[step]


def test_a_skipped_step_omits_its_dependants(tmp_path):
    doc = compile(build(Conditions).ir)
    run = run_document(doc, tmp_path, {"run-label": "x"})
    assert run.values["evaluate"] == "0.91"
    assert (run.phases["publish"], run.phases["announce"]) == ("Succeeded", "Succeeded")

    publish = next(t for t in doc["spec"]["templates"][0]["dag"]["tasks"] if t["name"] == "publish")
    publish["when"] = publish["when"].replace("0.9", "0.95")
    run = run_document(doc, tmp_path / "again", {"run-label": "x"})
    assert (run.phases["publish"], run.phases["announce"]) == ("Skipped", "Omitted")


def test_explicit_graph_example_runs_from_the_compiled_manifests(tmp_path):
    from axl.dsl.loader import load_target

    loaded = load_target(f"{ROOT / 'examples' / 'churn_workflow.py'}:ChurnWorkflow")
    options = ArgoOptions(python_path=(str(ROOT / "examples"),))
    doc = compile(build(loaded.cls).ir, options)
    run = run_document(doc, tmp_path)
    assert set(run.phases.values()) == {"Succeeded"}
    local = run_local(loaded.cls, workspace=tmp_path / "local", isolation="fork")
    assert output(run, doc, "score") == local.outputs["score"]
