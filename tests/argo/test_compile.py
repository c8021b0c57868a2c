"""The Argo document: structure, the runner contract, wiring, names, determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from axl import Workflow, step
from axl.compiler.argo import (
    ArgoOptions,
    compile,
    default_image,
    render,
    size_warning,
    to_yaml,
)
from axl.compiler.argo.checks import lint
from axl.manifest import Manifest
from axl.naming import is_name, name_hash
from tests.argo.helpers import Diamond, ir_of, runner_call, tasks, templates
from tests.examples_wf.conditions import Conditions

ROOT = Path(__file__).resolve().parents[2]


def test_entrypoint_is_the_dag_and_each_step_has_a_template():
    doc = compile(ir_of(Diamond))
    spec = doc["spec"]
    assert doc["apiVersion"] == "argoproj.io/v1alpha1" and doc["kind"] == "Workflow"
    assert spec["entrypoint"] == "main-dag"
    assert [t["name"] for t in spec["templates"]] == ["main-dag", "a", "b", "c", "d"]
    assert list(tasks(doc)) == ["a", "b", "c", "d"]
    assert all(t["template"] == t["name"] for t in tasks(doc).values())
    assert tasks(doc)["d"]["depends"] == "b.Succeeded && c.Succeeded"
    assert "depends" not in tasks(doc)["a"]


def test_runner_contract_in_every_container():
    doc = compile(ir_of(Diamond))
    args, manifest = runner_call(templates(doc)["d"])
    assert args.run_id == "{{workflow.name}}"
    assert args.param == ["k={{workflow.parameters.k}}"]
    assert manifest.workflow == "tests.argo.helpers:Diamond" and manifest.workflow_name == "diamond"
    assert manifest.step == "d" and manifest.params == {}
    assert [(i.name, i.path, i.handler) for i in manifest.inputs] == [
        ("b", "/axl/inputs/b/output.pkl", "pickle"),
        ("c", "/axl/inputs/c/output.pkl", "pickle"),
    ]
    assert [(o.path, o.value_path) for o in manifest.outputs] == [
        ("/axl/outputs/output/output.pkl", None)
    ]
    assert templates(doc)["d"]["container"]["image"] == default_image()
    assert doc["spec"]["arguments"] == {
        "parameters": [{"name": "k", "value": "3", "description": "a number"}]
    }


def test_s3_artifacts_are_wired_through_task_arguments():
    doc = compile(ir_of(Diamond))
    d = templates(doc)["d"]
    assert d["inputs"] == {
        "artifacts": [
            {"name": "b", "path": "/axl/inputs/b"},
            {"name": "c", "path": "/axl/inputs/c"},
        ]
    }
    assert d["outputs"] == {"artifacts": [{"name": "output", "path": "/axl/outputs/output"}]}
    assert tasks(doc)["d"]["arguments"] == {
        "artifacts": [
            {"name": "b", "from": "{{tasks.b.outputs.artifacts.output}}"},
            {"name": "c", "from": "{{tasks.c.outputs.artifacts.output}}"},
        ]
    }
    assert "volumeClaimTemplates" not in doc["spec"]
    assert "from" not in json.dumps([t.get("inputs") for t in doc["spec"]["templates"]])


def test_pvc_mode_mounts_one_volume_and_passes_paths():
    doc = compile(ir_of(Diamond), ArgoOptions(artifacts="pvc", pvc_size="5Gi"))
    assert doc["spec"]["volumeClaimTemplates"] == [
        {
            "metadata": {"name": "axl-data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "5Gi"}},
            },
        }
    ]
    for name in "abcd":
        template = templates(doc)[name]
        assert template["container"]["volumeMounts"] == [
            {"name": "axl-data", "mountPath": "/axl/data"}
        ]
        assert "inputs" not in template and "outputs" not in template
        assert "arguments" not in tasks(doc)[name]
    _, manifest = runner_call(templates(doc)["d"])
    assert [i.path for i in manifest.inputs] == [
        "/axl/data/{{workflow.name}}/b/output.pkl",
        "/axl/data/{{workflow.name}}/c/output.pkl",
    ]
    assert manifest.outputs[0].path == "/axl/data/{{workflow.name}}/d/output.pkl"
    assert tasks(doc)["d"]["depends"] == "b.Succeeded && c.Succeeded"


def test_long_and_clashing_step_names_get_stable_suffixes_everywhere():
    long_name = "preprocess_the_training_data_with_a_rather_long_descriptive_name_v2"

    namespace: dict[str, Any] = {}
    exec(
        f"def {long_name}(self) -> int:\n    return 1\n"
        "def load_data(self) -> int:\n    return 1\n"
        "def load__data(self) -> int:\n    return 2\n"
        "def main_dag(self) -> int:\n    return 3\n"
        f"def use(self, {long_name}: int, load_data: int, load__data: int, main_dag: int) -> int:\n"
        "    return 4\n",
        namespace,
    )
    cls = type(
        "Names",
        (Workflow,),
        {n: step(namespace[n]) for n in (long_name, "load_data", "load__data", "main_dag", "use")},
    )
    doc = compile(ir_of(cls))
    names = [t["name"] for t in doc["spec"]["templates"]]
    assert names[0] == "main-dag"
    assert len(set(names)) == len(names)
    assert all(is_name(n) for n in names)
    expected = {
        long_name: names[1],
        "load_data": f"load-data-{name_hash('load_data')}",
        "load__data": f"load-data-{name_hash('load__data')}",
        "main_dag": f"main-dag-{name_hash('main_dag')}",
    }
    assert names[1].endswith(name_hash(long_name)) and len(names[1]) == 63
    use = tasks(doc)["use"]
    assert use["depends"] == " && ".join(f"{v}.Succeeded" for v in expected.values())
    froms = [a["from"] for a in use["arguments"]["artifacts"]]
    assert froms == [f"{{{{tasks.{v}.outputs.artifacts.output}}}}" for v in expected.values()]
    artifact_names = [a["name"] for a in templates(doc)["use"]["inputs"]["artifacts"]]
    assert artifact_names == [a["name"] for a in use["arguments"]["artifacts"]]
    assert len(set(artifact_names)) == 4 and all(is_name(n) for n in artifact_names)


def test_literal_text_with_braces_does_not_become_an_argo_placeholder():
    class Braces(Workflow):
        @step
        def a(self) -> str:
            return "{{x}}"

        @step
        def b(self, a: str, fmt: str) -> str:
            return fmt

        def graph(self) -> Any:
            return self.b(self.a(), "{{workflow.name}} {{x}}")

    doc = compile(ir_of(Braces))
    args = templates(doc)["b"]["container"]["args"]
    assert "{{" not in args[1]
    manifest = Manifest.from_json(args[1])
    assert [(i.name, i.source, i.value) for i in manifest.inputs][1] == (
        "fmt",
        "value",
        "{{workflow.name}} {{x}}",
    )


def test_same_ir_gives_the_same_bytes_in_another_process():
    text = to_yaml(compile(ir_of(Conditions), ArgoOptions(artifacts="pvc")))
    script = (
        "import sys\n"
        "from axl.compiler.argo import ArgoOptions, compile, to_yaml\n"
        "from axl.ir import build\n"
        "from tests.examples_wf.conditions import Conditions\n"
        "sys.stdout.write(to_yaml(compile(build(Conditions).ir, ArgoOptions(artifacts='pvc'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONHASHSEED": "123", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == text


def test_warnings_about_size_crd_limits_and_non_scalar_conditions():
    assert size_warning(999_999) is None
    message = size_warning(2_500_000)
    assert message is not None and "2.50 MB" in message and "WorkflowTemplate" in message

    namespace: dict[str, Any] = {}
    exec("\n".join(f"def s{i}(self) -> int:\n    return {i}" for i in range(201)), namespace)
    wide = type("Wide", (Workflow,), {f"s{i}": step(namespace[f"s{i}"]) for i in range(201)})
    output = render(ir_of(wide))
    assert output.warnings == ()
    limits = [f for f in lint(output.document) if f.rule == "crd-limit"]
    assert [(f.path, f.severity) for f in limits] == [
        ("spec.templates", "warning"),
        ("spec.templates[0].dag.tasks", "warning"),
    ]

    class ListGate(Workflow):
        @step
        def items(self) -> list[int]:
            return [1]

        @step(when="items")
        def act(self) -> int:
            return 1

    (message,) = render(ir_of(ListGate)).warnings
    assert "reads step 'items', which returns list[int]" in message
