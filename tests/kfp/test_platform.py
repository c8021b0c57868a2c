"""Secrets, timeouts and names on KFP: the Kubernetes platform spec and the server's limits."""

from __future__ import annotations

import json

import pytest
import yaml
from google.protobuf import json_format
from kfp import components
from kfp.kubernetes import kubernetes_executor_config_pb2
from kfp.pipeline_spec import pipeline_spec_pb2

from axl import Workflow, step
from axl.compiler.kfp import KfpOptions, KfpOptionsError
from axl.compiler.kfp.checks import MAX_UPLOAD_BYTES, check_size
from axl.compiler.kfp.target import TARGET
from axl.errors import LintError
from axl.ir import build_ir
from tests.argo.helpers import Diamond
from tests.kfp.helpers import load_ir

STEP_OPTIONS = "tests/examples_wf/step_options.py:StepOptions"


@pytest.fixture(scope="module")
def compiled():
    return TARGET.compile(load_ir(STEP_OPTIONS), KfpOptions())


def test_the_platform_spec_is_the_files_second_document(compiled):
    spec, platform = yaml.safe_load_all(compiled.text)
    assert spec == compiled.document and platform == compiled.platform
    json_format.ParseDict(platform, pipeline_spec_pb2.PlatformSpec(), ignore_unknown_fields=False)
    executors = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert set(executors) == {"exec-fetch", "exec-train", "exec-register"}
    for config in executors.values():  # each one as kfp-kubernetes defines it, strictly
        json_format.ParseDict(
            config,
            kubernetes_executor_config_pb2.KubernetesExecutorConfig(),
            ignore_unknown_fields=False,
        )


def test_secrets_are_referenced_by_name_and_key_never_by_value(compiled):
    executors = compiled.platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    register = executors["exec-register"]["secretAsEnv"]
    assert register == [
        {
            "keyToEnv": [{"envVar": "API_TOKEN", "secretKey": "token"}],
            "optional": False,
            "secretName": "model-registry",
            "secretNameParameter": {"runtimeValue": {"constant": "model-registry"}},
        },
        {
            "keyToEnv": [{"envVar": "DB_PASSWORD", "secretKey": "password"}],
            "optional": False,
            "secretName": "db-credentials",
            "secretNameParameter": {"runtimeValue": {"constant": "db-credentials"}},
        },
    ]
    container = compiled.document["deploymentSpec"]["executors"]["exec-register"]["container"]
    assert {var["name"] for var in container["env"]} == {"LOG_LEVEL"}  # literals only


def test_timeouts_are_the_pods_active_deadline(compiled):
    executors = compiled.platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert executors["exec-fetch"]["activeDeadlineSeconds"] == "600"
    assert executors["exec-train"]["activeDeadlineSeconds"] == "5401"  # 5400.5 s, rounded up
    assert "activeDeadlineSeconds" not in executors["exec-register"]
    assert compiled.warnings == ()


def test_the_kfp_sdk_loads_the_two_document_file(compiled, tmp_path):
    path = tmp_path / "pipeline.yaml"
    path.write_text(compiled.text)
    loaded = components.load_component_from_file(str(path))
    assert loaded.name == "step-options"
    kubernetes = loaded.platform_spec.platforms["kubernetes"]
    assert set(kubernetes.deployment_spec.executors) == {
        "exec-fetch",
        "exec-train",
        "exec-register",
    }


def test_a_workflow_without_secrets_or_timeouts_has_one_document():
    compiled = TARGET.compile(build_ir(Diamond), KfpOptions())
    assert compiled.platform is None
    assert len(list(yaml.safe_load_all(compiled.text))) == 1


def test_the_check_rejects_a_platform_spec_naming_a_missing_executor(compiled):
    assert TARGET.check(compiled) == []
    broken = json.loads(json.dumps(compiled.platform))
    executors = broken["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    executors["exec-gone"] = executors.pop("exec-train")
    with pytest.raises(LintError, match="platform spec: executor 'exec-gone' does not exist"):
        TARGET.check(type(compiled)(**{**compiled.__dict__, "platform": broken}))


class LongName(Workflow):
    name = "a-rather-long-pipeline-name-for-the-nightly-churn-model"

    @step
    def only(self) -> int:
        return 1


def test_names_past_40_characters_warn_and_past_100_are_refused():
    compiled = TARGET.compile(build_ir(LongName), KfpOptions())
    (warning,) = compiled.warnings
    assert "has 55 characters: over 40" in warning and "--name" in warning
    assert TARGET.compile(build_ir(LongName), KfpOptions(name="churn")).warnings == ()
    with pytest.raises(KfpOptionsError, match="is not valid on KFP") as caught:
        KfpOptions(name="x" * 101)
    assert "at most 100" in str(caught.value.hint)
    assert KfpOptions(name="x" * 100).name == "x" * 100


def test_a_file_over_the_servers_upload_limit_is_refused():
    check_size("big", "x" * MAX_UPLOAD_BYTES)
    with pytest.raises(KfpOptionsError, match="over the 32 MiB a KFP server takes"):
        check_size("big", "x" * (MAX_UPLOAD_BYTES + 1))
