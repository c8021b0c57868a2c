"""One lowering for every backend: local and Argo manifests differ only in paths and run id."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from axl.compiler.argo import ArgoOptions, compile
from axl.dsl.loader import load_target
from axl.ir import build_ir
from axl.manifest import Manifest
from axl.planning import ManifestSettings, RunFolder, lower, manifest_data, runner_args
from axl.runtime.__main__ import _load, _parser
from axl.runtime.local_options import LocalOptions
from axl.runtime.local_plan import local_manifests

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = [
    "examples/iris_knn.py:IrisKNN",
    "tests/examples_wf/conditions.py:Conditions",
    "tests/examples_wf/step_options.py:StepOptions",
    "tests/examples_wf/fan_in.py:FanIn",
]


def _paths_and_run_id_removed(manifest: Manifest) -> dict[str, Any]:
    data = manifest_data(replace(manifest, run_id="local", python_path=()))
    data["params"] = sorted(data.get("params", {}))  # pods get Argo's placeholders as values
    for item in data.get("inputs", []):
        item.pop("path", None)
    for out in data["outputs"]:
        out.pop("path")
        out.pop("value_path", None)
    return data


def _pod_manifests(doc: dict[str, Any]) -> dict[str, Manifest]:
    """Each container's manifest as the runner in the pod sees it: its arguments applied,
    and the container's literal env where the local manifest carries it."""
    found = {}
    for template in doc["spec"]["templates"]:
        container = template.get("container")
        if container is None:
            continue
        args = _parser().parse_args(["run", *container["args"]])
        manifest = _load(args)
        env = {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
        found[manifest.step] = replace(manifest, env=env)
    return found


@pytest.mark.parametrize("target", WORKFLOWS)
@pytest.mark.parametrize("artifacts", ["s3", "pvc"])
def test_local_and_argo_manifests_differ_only_in_paths_and_run_id(
    target: str, artifacts: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for secret in ("DB_PASSWORD", "API_TOKEN"):  # the Secrets of step_options, locally
        monkeypatch.setenv(secret, "x")
    ir = build_ir(load_target(str(ROOT / target.split(":")[0]) + ":" + target.split(":")[1]).cls)
    params = {p.name: "given" if p.required else p.default for p in ir.params}
    local = local_manifests(ir, params, tmp_path / "run", "r1", LocalOptions())
    pods = _pod_manifests(compile(ir, ArgoOptions(artifacts=artifacts)))  # type: ignore[arg-type]
    assert set(local) == set(pods)
    for name, manifest in local.items():
        pod = pods[name]
        assert pod.run_id == "{{workflow.name}}" and manifest.run_id == "r1"
        assert _paths_and_run_id_removed(pod) == _paths_and_run_id_removed(manifest), name
        assert {i.name for i in pod.inputs} == {i.name for i in manifest.inputs}


def test_a_run_folder_scheme_places_every_file_by_the_one_rule(tmp_path: Path):
    ir = build_ir(load_target(str(ROOT / "examples/iris_knn.py") + ":IrisKNN").cls)
    lowering = lower(ir, RunFolder("/runs/r"), ManifestSettings())
    for name, step in lowering.steps.items():
        out = step.manifest.outputs[0]
        assert out.path == f"/runs/r/{name}/{out.name}{ir.get_node(name).output.ext}"
        for item in step.manifest.inputs:
            if item.source == "artifact":
                assert item.path is not None and item.path.startswith(f"/runs/r/{item.ref}/")


def test_runner_args_carry_the_manifest_the_run_id_and_each_param():
    args = runner_args('{"a":1}', "{{workflow.name}}", [("k", "{{workflow.parameters.k}}")])
    assert args == [
        "--manifest-json", '{"a":1}', "--run-id", "{{workflow.name}}",
        "--param", "k={{workflow.parameters.k}}",
    ]  # fmt: skip
    assert json.loads(args[1]) == {"a": 1}
