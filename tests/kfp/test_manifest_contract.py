"""One lowering: a step's manifest on KFP differs from the local one only in paths and run id."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from axl.compiler.kfp import compile
from axl.compiler.kfp.layout import EXECUTOR_INPUT, EXECUTOR_INPUT_FLAG, RUN_ID
from axl.manifest import Manifest
from axl.runtime.__main__ import _load, _parser
from axl.runtime.local_options import LocalOptions
from axl.runtime.local_plan import local_manifests
from tests.kfp.helpers import REFERENCES, load_ir
from tests.planning.test_lowering import _paths_and_run_id_removed


def _container_manifests(doc: dict[str, Any]) -> dict[str, Manifest]:
    """Each executor's manifest as the runner reads it from the container's arguments."""
    found = {}
    for executor in doc["deploymentSpec"]["executors"].values():
        args = executor["container"]["args"]
        assert args[-2:] == [EXECUTOR_INPUT_FLAG, EXECUTOR_INPUT]
        manifest = _load(_parser().parse_args(["run", *args[:-2]]))
        env = {e["name"]: e["value"] for e in executor["container"].get("env", [])}
        found[manifest.step] = replace(manifest, env=env)
    return found


@pytest.mark.parametrize("reference", REFERENCES)
def test_local_and_kfp_manifests_differ_only_in_paths_and_run_id(reference: str, tmp_path: Path):
    ir = load_ir(reference)
    params = {p.name: p.default for p in ir.params}
    local = local_manifests(ir, params, tmp_path / "run", "r1", LocalOptions())
    doc = compile(ir)
    pods = _container_manifests(doc)
    assert set(local) == set(pods)
    for name, manifest in local.items():
        pod = pods[name]
        assert pod.run_id == RUN_ID and manifest.run_id == "r1"
        assert pod.params == {}  # KFP hands them over, typed, in the executor input
        expected = _paths_and_run_id_removed(manifest)
        assert _paths_and_run_id_removed(pod) == {**expected, "params": []}, name
        for item in pod.inputs:
            if item.source == "step":
                assert item.path.startswith(f"kfp://inputs/{item.name}/")
        assert pod.outputs[0].path.startswith("kfp://outputs/output/")
    for task in doc["root"]["dag"]["tasks"].values():
        assert set(task["inputs"]["parameters"]) == {*params, "axl_run_id"}
