"""The KFP target: a PipelineSpec that parses strictly, loads in the kfp SDK and is deterministic."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from google.protobuf import json_format
from kfp import components
from kfp.pipeline_spec import pipeline_spec_pb2

from axl.compiler.kfp import KfpOptions, KfpOptionsError, compile
from axl.compiler.kfp.checks import structure_errors
from axl.compiler.kfp.target import TARGET
from axl.compiler.yaml_render import to_yaml
from axl.errors import LintError
from axl.ir import build_ir
from tests.argo.helpers import Diamond
from tests.kfp.helpers import Tuned, executor_of, load_ir, tasks, workflows

WORKFLOWS = workflows()


@pytest.fixture(scope="module", params=sorted(WORKFLOWS))
def compiled(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], str]:
    ir = WORKFLOWS[request.param]
    doc = compile(ir)
    return request.param, doc, to_yaml(doc)


def test_the_output_parses_strictly_as_a_pipeline_spec(compiled):
    _, doc, text = compiled
    spec = json_format.ParseDict(
        yaml.safe_load(text), pipeline_spec_pb2.PipelineSpec(), ignore_unknown_fields=False
    )
    assert json_format.MessageToDict(spec) == doc
    assert spec.schema_version == "2.1.0" and spec.sdk_version.startswith("axl-")
    assert structure_errors(doc) == []


def test_the_kfp_sdk_loads_the_compiled_pipeline(compiled, tmp_path):
    name, doc, text = compiled
    path = tmp_path / "pipeline.yaml"
    path.write_text(text)
    loaded = components.load_component_from_file(str(path))
    assert loaded.name == name
    assert set(loaded.pipeline_spec.root.dag.tasks) == set(tasks(doc))
    declared = doc["root"].get("inputDefinitions", {}).get("parameters", {})
    assert set(loaded.component_spec.inputs or {}) == set(declared)


def test_recompiling_gives_byte_identical_yaml(compiled):
    name, _, text = compiled
    assert to_yaml(compile(WORKFLOWS[name])) == text
    assert TARGET.compile(WORKFLOWS[name], KfpOptions()).text == text


def test_every_step_is_a_task_wired_to_its_producers():
    doc = compile(load_ir("examples/iris_knn.py:IrisKNN"))
    evaluate = tasks(doc)["evaluate"]
    assert evaluate["dependentTasks"] == ["train"]
    assert evaluate["inputs"]["artifacts"]["trained"] == {
        "taskOutputArtifact": {"outputArtifactKey": "output", "producerTask": "train"}
    }
    assert evaluate["componentRef"] == {"name": "comp-evaluate"}
    assert evaluate["cachingOptions"] == {}  # off: KFP would cache on the image tag
    component = doc["components"]["comp-evaluate"]
    assert component["executorLabel"] == "exec-evaluate"
    assert component["outputDefinitions"]["artifacts"]["output"]["artifactType"] == {
        "schemaTitle": "system.Artifact",
        "schemaVersion": "0.0.1",
    }
    assert doc["pipelineInfo"] == {"name": "iris-knn"}


def test_the_diamond_joins_both_branches():
    doc = compile(build_ir(Diamond))
    assert tasks(doc)["d"]["dependentTasks"] == ["b", "c"]
    assert set(tasks(doc)["d"]["inputs"]["artifacts"]) == {"b", "c"}
    assert "dependentTasks" not in tasks(doc)["a"]


def test_each_executor_runs_the_runner_on_the_manifest_and_the_executor_input():
    doc = compile(load_ir("examples/iris_knn.py:IrisKNN"), KfpOptions(image="localhost/r:1"))
    container = executor_of(doc, "train")["container"]
    assert container["image"] == "localhost/r:1"
    assert container["command"] == ["python", "-m", "axl.runtime", "run"]
    args = container["args"]
    assert args[0] == "--manifest-json" and args[-2:] == ["--executor-input", "{{$}}"]
    assert args[2:4] == ["--run-id", "{{$.inputs.parameters['axl_run_id']}}"]
    manifest = json.loads(args[1])
    assert manifest["step"] == "train"
    assert manifest["inputs"][0]["path"] == "kfp://inputs/split/output.pkl"
    assert manifest["outputs"][0]["path"] == "kfp://outputs/output/output.pkl"
    run_id = tasks(doc)["train"]["inputs"]["parameters"]["axl_run_id"]
    assert run_id == {"runtimeValue": {"constant": "{{$.pipeline_job_uuid}}"}}


def test_params_become_typed_pipeline_parameters_with_defaults():
    doc = compile(build_ir(Tuned))
    params = doc["root"]["inputDefinitions"]["parameters"]
    assert params["epochs"] == {
        "parameterType": "NUMBER_INTEGER",
        "defaultValue": 3.0,
        "isOptional": True,
        "description": "passes over the data",
    }
    assert params["rate"] == {
        "parameterType": "NUMBER_DOUBLE",
        "defaultValue": 0.5,
        "isOptional": True,
    }
    assert params["verbose"] == {
        "parameterType": "BOOLEAN",
        "defaultValue": False,
        "isOptional": True,
    }
    assert params["tag"] == {"parameterType": "STRING", "description": "a label (required)"}
    assert params["layers"]["parameterType"] == "LIST"
    assert params["layers"]["defaultValue"] == [64.0, 32.0]
    assert params["extra"] == {
        "parameterType": "STRUCT",
        "defaultValue": {"seed": 1.0},
        "isOptional": True,
    }
    assert params["mode"]["literals"] == ["full", "quick"]
    component = doc["components"]["comp-fit"]["inputDefinitions"]["parameters"]
    assert set(component) == set(params) | {"axl_run_id"}
    assert tasks(doc)["fit"]["inputs"]["parameters"]["tag"] == {"componentInputParameter": "tag"}


def test_retries_resources_env_and_cache_reach_the_task_and_its_container():
    doc = compile(build_ir(Tuned))
    fit = tasks(doc)["fit"]
    assert fit["retryPolicy"] == {
        "maxRetryCount": 3,
        "backoffDuration": "2s",
        "backoffFactor": 3.0,
        "backoffMaxDuration": "60s",
    }
    assert fit["cachingOptions"] == {"enableCache": True}
    container = executor_of(doc, "fit")["container"]
    assert container["env"] == [{"name": "LOG_LEVEL", "value": "debug"}]
    assert container["resources"] == {
        "resourceCpuRequest": "500m",
        "resourceMemoryRequest": "2Gi",
        "resourceMemoryLimit": "2Gi",
        "accelerator": {"resourceType": "nvidia.com/gpu", "resourceCount": "1"},
    }
    report = doc["components"]["comp-report"]
    assert "retryPolicy" not in tasks(doc)["report"]
    assert report["inputDefinitions"]["artifacts"]["fit"]["artifactType"]["schemaTitle"] == (
        "system.Artifact"
    )


def test_options_are_checked():
    with pytest.raises(KfpOptionsError, match="pipeline name 'Iris_KNN' is not valid on KFP"):
        KfpOptions(name="Iris_KNN")
    with pytest.raises(KfpOptionsError, match="packages_policy 'pip' is not one of"):
        KfpOptions(packages_policy="pip")


def test_the_check_rejects_unknown_fields_missing_references_and_cycles():
    doc = compile(build_ir(Diamond))
    assert TARGET.check(TARGET.compile(build_ir(Diamond), KfpOptions())) == []
    unknown = {**doc, "pipelineInfo": {"name": "diamond", "owner": "x"}}
    assert structure_errors(unknown)[0].startswith("not a PipelineSpec:")
    broken = json.loads(json.dumps(doc))
    broken["root"]["dag"]["tasks"]["a"]["dependentTasks"] = ["d"]
    broken["root"]["dag"]["tasks"]["b"]["componentRef"]["name"] = "comp-nope"
    del broken["deploymentSpec"]["executors"]["exec-c"]
    errors = structure_errors(broken)
    assert "root: task 'b': component 'comp-nope' does not exist" in errors
    assert "component 'comp-c': executor 'exec-c' does not exist" in errors
    assert "root: tasks a, b, c, d form or wait on a cycle" in errors
    compiled = TARGET.compile(build_ir(Diamond), KfpOptions())
    with pytest.raises(LintError, match="the compiled PipelineSpec fails the check"):
        TARGET.check(type(compiled)(broken, "", (), "PipelineSpec", compiled.hash))


def test_the_strict_parse_looks_into_the_executors():
    doc = json.loads(json.dumps(compile(build_ir(Diamond))))
    assert structure_errors(doc) == []
    doc["deploymentSpec"]["executors"]["exec-a"]["container"]["imagePullPolicy"] = "Always"
    (error,) = structure_errors(doc)
    assert error.startswith("not a PipelineSpec:") and "imagePullPolicy" in error
