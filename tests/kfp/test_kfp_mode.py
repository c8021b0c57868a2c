"""The runner's KFP mode: each compiled executor run as KFP's launcher would run it.

The executor input is what KFP hands a container (local artifact URIs, as
``kfp.local`` gives them; numbers as doubles); the outputs must be the bytes
a local run writes, and ``executor_output.json`` must register them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from axl.compiler.kfp import compile
from axl.compiler.kfp.layout import EXECUTOR_INPUT, RUN_ID
from axl.kfp_paths import local_path
from axl.runtime.__main__ import main
from axl.runtime.local_options import LocalOptions
from axl.runtime.local_plan import local_manifests
from axl.runtime.runner import execute
from tests.kfp.helpers import executor_of, load_ir, tasks

RUN = "4f1c-run"


def _executor_input(doc: dict[str, Any], task: str, root: Path, params: dict[str, Any]) -> Any:
    spec = tasks(doc)[task]
    artifacts = {
        arg: {
            "artifacts": [
                {
                    "name": f"{wire['taskOutputArtifact']['producerTask']}-output",
                    "uri": str(root / wire["taskOutputArtifact"]["producerTask"] / "output"),
                    "metadata": {},
                }
            ]
        }
        for arg, wire in spec["inputs"].get("artifacts", {}).items()
    }
    return {
        "inputs": {
            "parameterValues": {**{k: float(v) for k, v in params.items()}, "axl_run_id": RUN},
            "artifacts": artifacts,
        },
        "outputs": {
            "artifacts": {
                "output": {
                    "artifacts": [
                        {"name": "output", "uri": str(root / task / "output"), "metadata": {}}
                    ]
                }
            },
            "outputFile": str(root / task / "executor_output.json"),
        },
    }


def _order(doc: dict[str, Any]) -> list[str]:
    done: list[str] = []
    while len(done) < len(tasks(doc)):
        for name, task in sorted(tasks(doc).items()):
            if name not in done and set(task.get("dependentTasks", [])) <= set(done):
                done.append(name)
    return done


def test_every_executor_runs_on_its_executor_input_and_registers_its_output(tmp_path: Path):
    ir = load_ir("examples/iris_knn.py:IrisKNN")
    params = {"n_neighbors": 5, "test_size": 0.3}
    doc = compile(ir)
    kfp_root = tmp_path / "kfp"
    registered = {}
    for task in _order(doc):
        given = _executor_input(doc, task, kfp_root, params)
        args = [
            {RUN_ID: RUN, EXECUTOR_INPUT: json.dumps(given)}.get(arg, arg)
            for arg in executor_of(doc, task)["container"]["args"]
        ]
        assert main(["run", *args]) == 0, task
        output = json.loads((kfp_root / task / "executor_output.json").read_text())
        (artifact,) = output["artifacts"]["output"]["artifacts"]
        assert artifact["uri"] == str(kfp_root / task / "output")
        registered[task] = artifact["metadata"]
    local = local_manifests(ir, params, tmp_path / "local", "r1", LocalOptions())
    for name in ir.topological_order():
        outcome = execute(local[name])
        assert outcome.result is not None
        (info,) = outcome.result.outputs
        task = name.replace("_", "-")
        assert registered[task]["axl_digest"] == info.digest, name
        assert registered[task]["axl_handler"] == info.handler
        sidecar = json.loads((kfp_root / task / "output" / "output.meta.json").read_text())
        assert sidecar["digest"] == info.digest


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("gs://bucket/run/x", "/gcs/bucket/run/x"),
        ("minio://mlpipeline/v2/x", "/minio/mlpipeline/v2/x"),
        ("s3://b/x", "/s3/b/x"),
        ("/tmp/local/x", "/tmp/local/x"),
    ],
)
def test_artifact_uris_map_to_the_launchers_mounts(uri: str, path: str):
    assert local_path(uri) == path


def test_an_executor_input_without_the_artifact_is_exit_2(tmp_path: Path, capsys):
    doc = compile(load_ir("examples/iris_knn.py:IrisKNN"))
    args = executor_of(doc, "split")["container"]["args"]
    given = json.dumps({"inputs": {"parameterValues": {}}, "outputs": {}})
    args = [{RUN_ID: RUN, EXECUTOR_INPUT: given}.get(arg, arg) for arg in args]
    assert main(["run", *args]) == 2
    assert "the executor input has no inputs artifact 'data'" in capsys.readouterr().err
    assert main(["run", *args[:-1], "not json"]) == 2
