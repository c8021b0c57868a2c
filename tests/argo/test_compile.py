"""The Argo document: structure, the runner contract, wiring, options, names, determinism."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from axl import Param, Resources, Retry, Secret, Workflow, step
from axl.compiler.argo import (
    ArgoCodeArchive,
    ArgoOptions,
    ArgoOptionsError,
    ArtifactRepositoryRef,
    SecretKey,
    compile,
    default_image,
    render,
    size_warning,
    to_yaml,
)
from axl.compiler.naming import is_dns_label, name_hash
from axl.ir import IRWorkflow, build
from axl.runtime.__main__ import _parser
from axl.runtime.manifest import Manifest
from tests.examples_wf.conditions import Conditions
from tests.examples_wf.step_options import StepOptions

ROOT = Path(__file__).resolve().parents[2]
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


class Diamond(Workflow):
    name = "diamond"
    k = Param(3, help="a number")

    @step
    def a(self) -> int:
        return self.k

    @step
    def b(self, a: int) -> int:
        return a + 1

    @step
    def c(self, a: int) -> int:
        return a * 2

    @step
    def d(self, b: int, c: int) -> int:
        return b + c


def ir_of(cls: type[Workflow]) -> IRWorkflow:
    return build(cls).ir


def templates(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in doc["spec"]["templates"]}


def tasks(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in templates(doc)["main"]["dag"]["tasks"]}


def runner_call(template: dict[str, Any]) -> tuple[Any, Manifest]:
    """Parse a container's args with the runner's own parser, and its manifest."""
    container = template["container"]
    assert container["command"] == ["python", "-m", "axl.runtime", "run"]
    args = _parser().parse_args(["run", *container["args"]])
    return args, Manifest.from_json(args.manifest_json)


def test_entrypoint_is_the_dag_and_each_step_has_a_template():
    doc = compile(ir_of(Diamond))
    spec = doc["spec"]
    assert doc["apiVersion"] == "argoproj.io/v1alpha1" and doc["kind"] == "Workflow"
    assert spec["entrypoint"] == "main"
    assert [t["name"] for t in spec["templates"]] == ["main", "a", "b", "c", "d"]
    assert list(tasks(doc)) == ["a", "b", "c", "d"]
    assert all(t["template"] == t["name"] for t in tasks(doc).values())
    assert tasks(doc)["d"]["depends"] == "b.Succeeded && c.Succeeded"
    assert "depends" not in tasks(doc)["a"]


def test_runner_contract_in_every_container():
    doc = compile(ir_of(Diamond))
    args, manifest = runner_call(templates(doc)["d"])
    assert args.run_id == "{{workflow.name}}"
    assert args.param == ["k={{workflow.parameters.k}}"]
    assert manifest.workflow == f"{__name__}:Diamond" and manifest.workflow_name == "diamond"
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


def test_conditions_become_when_expressions_and_guard_dependants():
    doc = compile(ir_of(Conditions))
    when = {name: task.get("when") for name, task in tasks(doc).items()}
    assert when == {
        "evaluate": None,
        "publish": "{{tasks.evaluate.outputs.parameters.value}} > 0.9",
        "announce": None,
        "full-report": '"{{workflow.parameters.mode}}" == "full"',
        "upload": "{{workflow.parameters.dry-run}} != true",
        "regional": '"{{workflow.parameters.region}}" in ("eu", "us")',
        "retried": "{{workflow.parameters.retries}} != 0",
    }
    # A skipped publish leaves announce's depends false: Argo omits it instead of running it.
    assert tasks(doc)["announce"]["depends"] == "publish.Succeeded"
    evaluate = templates(doc)["evaluate"]
    assert evaluate["outputs"]["parameters"] == [
        {"name": "value", "valueFrom": {"path": "/axl/outputs/value.json"}}
    ]
    _, manifest = runner_call(evaluate)
    assert manifest.outputs[0].value_path == "/axl/outputs/value.json"
    assert "parameters" not in templates(doc)["publish"]["outputs"]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("score", '{0} != false && {0} != 0 && {0} != "" && {0} != null'),
        ("not score", '{0} == false || {0} == 0 || {0} == "" || {0} == null'),
        ("score == 'a'", '{0} == "a"'),
        ("score != None", "{0} != null"),
        ("score <= 2", "{0} <= 2"),
        ("score in [1]", "{0} == 1"),
        ("score not in ['x']", '{0} != "x"'),
        ("score in [1, 'two', True]", '{0} in (1, "two", true)'),
        ("score not in [1, 2]", "!({0} in (1, 2))"),
        ("score in []", "false"),
        ("score not in []", "true"),
    ],
)
def test_step_condition_forms(when, expected):
    class Gate(Workflow):
        @step
        def score(self) -> float:
            return 1.0

        @step(when=when)
        def act(self) -> int:
            return 1

    doc = compile(ir_of(Gate))
    left = "{{tasks.score.outputs.parameters.value}}"
    assert tasks(doc)["act"]["when"] == expected.format(left)
    assert tasks(doc)["act"]["depends"] == "score.Succeeded"


@pytest.mark.parametrize(
    ("declaration", "when", "expected"),
    [
        ("Param(0.5)", "p > 0.2", "{{workflow.parameters.p}} > 0.2"),
        ("Param(True)", "p", "{{workflow.parameters.p}} == true"),
        ("Param(3)", "not p", "{{workflow.parameters.p}} == 0"),
        (
            "Param('x')",
            "p",
            '"{{workflow.parameters.p}}" != "" && "{{workflow.parameters.p}}" != "null"',
        ),
        ("Param(type=str)", "p == 'a'", '"{{workflow.parameters.p}}" == "a"'),
        ("Param(None)", "p in [1, 2]", "{{workflow.parameters.p}} in (1, 2)"),
    ],
)
def test_param_condition_forms(declaration, when, expected):
    namespace: dict[str, Any] = {"Param": Param}
    exec(f"p = {declaration}", namespace)

    class Gate(Workflow):
        p = namespace["p"]

        @step(when=when)
        def act(self) -> int:
            return 1

    assert tasks(compile(ir_of(Gate)))["act"]["when"] == expected


def test_undeclared_params_that_steps_read_become_required_arguments():
    class Open(Workflow):
        @step(when="params.mode == 'x'")
        def act(self) -> int:
            return 1

    doc = compile(ir_of(Open))
    assert doc["spec"]["arguments"] == {"parameters": [{"name": "mode"}]}
    args, _ = runner_call(templates(doc)["act"])
    assert args.param == ["mode={{workflow.parameters.mode}}"]


def test_param_values_read_back_by_the_runner_as_declared():
    from axl.compiler.argo import param_text
    from axl.dsl.params import parse_param_value

    for value in ["text", "5", "true", "", "null", 5, 0.25, True, None, [1, "a"], {"k": 1}]:
        text = param_text(value)
        assert isinstance(text, str)
        assert parse_param_value(text) == value
    assert param_text("plain words") == "plain words"
    assert param_text("5") == '"5"'


def test_required_params_and_choices():
    doc = compile(ir_of(Conditions))
    arguments = {p["name"]: p for p in doc["spec"]["arguments"]["parameters"]}
    assert arguments["run-label"] == {
        "name": "run-label",
        "description": "a label for this run (required)",
    }
    assert arguments["mode"]["enum"] == ["full", "quick"]
    assert arguments["dry-run"]["value"] == "false"
    args, _ = runner_call(templates(doc)["evaluate"])
    assert "run_label={{workflow.parameters.run-label}}" in args.param
    assert "dry_run={{workflow.parameters.dry-run}}" in args.param


def test_step_options_reach_the_pod():
    doc = compile(ir_of(StepOptions))
    fetch, train, register = (templates(doc)[n] for n in ("fetch", "train", "register"))
    assert fetch["retryStrategy"] == {
        "limit": "3",
        "retryPolicy": "Always",
        "backoff": {"duration": "2s", "factor": "3", "cap": "60s"},
    }
    assert register["retryStrategy"] == {"limit": "1", "retryPolicy": "Always"}
    assert "retryStrategy" not in train
    assert fetch["activeDeadlineSeconds"] == "600"
    assert train["activeDeadlineSeconds"] == "5401"
    assert fetch["container"]["resources"] == {
        "requests": {"cpu": "500m", "memory": "2Gi"},
        "limits": {"memory": "2Gi"},
    }
    assert train["container"]["resources"] == {
        "requests": {"cpu": "4", "memory": "16Gi"},
        "limits": {"cpu": "8", "memory": "20Gi", "nvidia.com/gpu": "2"},
    }
    assert fetch["container"]["image"] == "registry.example.com/team/ml:2.1"
    assert train["container"]["image"] == "registry.example.com/team/ml-gpu:2.1"
    assert train["container"]["env"] == [
        {"name": "CUDA_VISIBLE_DEVICES", "value": "0,1"},
        {
            "name": "DB_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}},
        },
        {"name": "LOG_LEVEL", "value": "debug"},
    ]
    assert {
        "name": "API_TOKEN",
        "valueFrom": {"secretKeyRef": {"name": "model-registry", "key": "token"}},
    } in register["container"]["env"]
    _, manifest = runner_call(train)
    assert manifest.packages.requirements == ("numpy>=1.26", "torch>=2.3")
    assert manifest.packages.policy == "check"
    assert manifest.env == {}


def test_secret_values_never_reach_the_yaml(monkeypatch):
    monkeypatch.setenv("DB_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("API_TOKEN", "tok-secret")
    text = to_yaml(compile(ir_of(StepOptions)))
    assert "hunter2-secret" not in text and "tok-secret" not in text
    assert "secretKeyRef" in text


def test_workflow_level_options():
    archive = ArgoCodeArchive(
        key="axl/code/abc.tar.gz",
        digest="blake3:" + "a" * 64,
        bucket="code",
        endpoint="minio.infra:9000",
        access_key_secret=SecretKey("minio", "accesskey"),
        secret_key_secret=SecretKey("minio", "secretkey"),
        insecure=True,
    )
    options = ArgoOptions(
        kind="workflow-template",
        namespace="ml",
        service_account="axl-runner",
        image="localhost/axl-runner:test",
        artifact_repository_ref=ArtifactRepositoryRef.parse("artifact-repositories/minio"),
        ttl_seconds=3600,
        pod_gc="OnWorkflowSuccess",
        code_archive=archive,
        packages_policy="none",
        python_path=("/opt/code",),
    )
    ir = ir_of(Diamond)
    doc = compile(ir, options)
    meta, spec = doc["metadata"], doc["spec"]
    assert doc["kind"] == "WorkflowTemplate"
    assert meta["name"] == "diamond" and "generateName" not in meta
    assert meta["namespace"] == "ml"
    assert spec["workflowMetadata"] == {"labels": meta["labels"]}
    assert spec["serviceAccountName"] == "axl-runner"
    assert spec["ttlStrategy"] == {"secondsAfterCompletion": 3600}
    assert spec["podGC"] == {"strategy": "OnWorkflowSuccess"}
    assert spec["artifactRepositoryRef"] == {"configMap": "artifact-repositories", "key": "minio"}
    a = templates(doc)["a"]
    assert a["container"]["image"] == "localhost/axl-runner:test"
    assert a["inputs"]["artifacts"] == [
        {
            "name": "axl-code",
            "path": "/axl/code/code.tar.gz",
            "archive": {"none": {}},
            "s3": {
                "key": "axl/code/abc.tar.gz",
                "bucket": "code",
                "endpoint": "minio.infra:9000",
                "insecure": True,
                "accessKeySecret": {"name": "minio", "key": "accesskey"},
                "secretKeySecret": {"name": "minio", "key": "secretkey"},
            },
        }
    ]
    _, manifest = runner_call(a)
    assert manifest.code is not None
    assert (manifest.code.path, manifest.code.digest) == ("/axl/code/code.tar.gz", archive.digest)
    assert manifest.python_path == ("/opt/code",)
    assert manifest.packages.policy == "none"


def test_defaults_and_labels():
    ir = ir_of(Diamond)
    doc = compile(ir)
    meta = doc["metadata"]
    assert meta["generateName"] == "diamond-" and "name" not in meta
    assert meta["labels"]["axl.dev/hash"] == ir.short_hash()
    assert meta["labels"]["axl.dev/workflow"] == "diamond"
    assert meta["annotations"] == {"axl.dev/ir-hash": ir.compute_hash(), "axl.dev/ref": ir.ref}
    assert all(LABEL_VALUE.match(v) and len(v) <= 63 for v in meta["labels"].values())
    assert doc["spec"]["podGC"] == {"strategy": "OnPodSuccess"}
    assert "ttlStrategy" not in doc["spec"] and "serviceAccountName" not in doc["spec"]
    assert "podGC" not in compile(ir, ArgoOptions(pod_gc=None))["spec"]


def test_long_and_clashing_step_names_get_stable_suffixes_everywhere():
    long_name = "preprocess_the_training_data_with_a_rather_long_descriptive_name_v2"

    namespace: dict[str, Any] = {}
    exec(
        f"def {long_name}(self) -> int:\n    return 1\n"
        "def load_data(self) -> int:\n    return 1\n"
        "def load__data(self) -> int:\n    return 2\n"
        "def main(self) -> int:\n    return 3\n"
        f"def use(self, {long_name}: int, load_data: int, load__data: int, main: int) -> int:\n"
        "    return 4\n",
        namespace,
    )
    cls = type(
        "Names",
        (Workflow,),
        {n: step(namespace[n]) for n in (long_name, "load_data", "load__data", "main", "use")},
    )
    doc = compile(ir_of(cls))
    names = [t["name"] for t in doc["spec"]["templates"]]
    assert names[0] == "main"
    assert len(set(names)) == len(names)
    assert all(is_dns_label(n) for n in names)
    expected = {
        long_name: names[1],
        "load_data": f"load-data-{name_hash('load_data')}",
        "load__data": f"load-data-{name_hash('load__data')}",
        "main": f"main-{name_hash('main')}",
    }
    assert names[1].endswith(name_hash(long_name)) and len(names[1]) == 63
    use = tasks(doc)["use"]
    assert use["depends"] == " && ".join(f"{v}.Succeeded" for v in expected.values())
    froms = [a["from"] for a in use["arguments"]["artifacts"]]
    assert froms == [f"{{{{tasks.{v}.outputs.artifacts.output}}}}" for v in expected.values()]
    artifact_names = [a["name"] for a in templates(doc)["use"]["inputs"]["artifacts"]]
    assert artifact_names == [a["name"] for a in use["arguments"]["artifacts"]]
    assert len(set(artifact_names)) == 4 and all(is_dns_label(n) for n in artifact_names)


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


def test_render_warns_about_size_crd_limits_and_non_scalar_conditions():
    assert size_warning(999_999) is None
    message = size_warning(2_500_000)
    assert message is not None and "2.50 MB" in message and "WorkflowTemplate" in message

    namespace: dict[str, Any] = {}
    exec("\n".join(f"def s{i}(self) -> int:\n    return {i}" for i in range(201)), namespace)
    wide = type("Wide", (Workflow,), {f"s{i}": step(namespace[f"s{i}"]) for i in range(201)})
    found = render(ir_of(wide)).warnings
    assert any("allow 200 of each" in w for w in found)

    class ListGate(Workflow):
        @step
        def items(self) -> list[int]:
            return [1]

        @step(when="items")
        def act(self) -> int:
            return 1

    (message,) = render(ir_of(ListGate)).warnings
    assert "reads step 'items', which returns list[int]" in message


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "cron"}, "kind 'cron' is not one of workflow, workflow-template"),
        ({"artifacts": "gcs"}, "artifacts 'gcs' is not one of s3, pvc"),
        ({"namespace": "Bad_NS"}, "namespace 'Bad_NS' is not a valid Kubernetes name"),
        ({"pod_gc": "Sometimes"}, "pod_gc 'Sometimes' is not one of"),
        ({"pvc_size": "lots"}, "pvc_size 'lots' is not a storage quantity"),
        ({"ttl_seconds": -1}, "ttl_seconds=-1 must be whole seconds"),
        ({"image": "two words"}, "image 'two words' is not an image reference"),
        ({"packages_policy": "maybe"}, "packages_policy 'maybe' is not one of"),
    ],
)
def test_invalid_options_are_usage_errors(kwargs, match):
    with pytest.raises(ArgoOptionsError, match=match) as info:
        ArgoOptions(**kwargs)
    assert info.value.exit_code == 2


def test_default_image_tag_is_valid_for_local_versions():
    assert default_image("0.1.0") == "ghcr.io/axl-workflows/runner:0.1.0"
    assert default_image("0.2.0.dev1+g1234.d2026") == (
        "ghcr.io/axl-workflows/runner:0.2.0.dev1-g1234.d2026"
    )


def test_invalid_code_archive_settings():
    with pytest.raises(ArgoOptionsError, match="must be a relative S3 key"):
        ArgoCodeArchive(key="/abs.tar.gz")
    with pytest.raises(ArgoOptionsError, match="give both access_key_secret and secret_key_secret"):
        ArgoCodeArchive(key="k.tar.gz", access_key_secret=SecretKey("s", "a"))
    with pytest.raises(ArgoOptionsError, match="must look like 'blake3:<hex>'"):
        ArgoCodeArchive(key="k.tar.gz", digest="sha256:00")
    assert ArtifactRepositoryRef.parse("only-key") == ArtifactRepositoryRef(key="only-key")
    assert ArtifactRepositoryRef.parse("cm/") == ArtifactRepositoryRef(config_map="cm")
    with pytest.raises(ArgoOptionsError, match="reference is empty"):
        ArtifactRepositoryRef.parse("/")


def test_resources_without_limits_and_zero_retries():
    class Small(Workflow):
        @step(resources=Resources(cpu="250m"), retries=Retry(count=0))
        def a(self) -> int:
            return 1

        @step(env={"A": Secret("s", "k")})
        def b(self, a: int) -> int:
            return a

    doc = compile(ir_of(Small))
    a = templates(doc)["a"]
    assert a["container"]["resources"] == {"requests": {"cpu": "250m"}}
    assert "retryStrategy" not in a and "activeDeadlineSeconds" not in a
