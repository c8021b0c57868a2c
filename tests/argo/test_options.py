"""Step and workflow options in the pod spec, and invalid options as usage errors."""

from __future__ import annotations

import re

import pytest

from axl import Resources, Retry, Secret, Workflow, step
from axl.compiler.argo import (
    ArgoCodeArchive,
    ArgoOptions,
    ArgoOptionsError,
    ArtifactRepositoryRef,
    SecretKey,
    compile,
    default_image,
    to_yaml,
)
from tests.argo.helpers import Diamond, ir_of, runner_call, templates
from tests.examples_wf.step_options import StepOptions

LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


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
