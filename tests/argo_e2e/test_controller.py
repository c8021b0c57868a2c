"""The controller double itself, on host processes (fast, and the fallback where podman is missing).

The workflows run from the checkout through ``python_path``: the host has no
image and no code archive to extract.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

from axl import Secret, Workflow, step
from axl.compiler.argo import ArgoOptions, compile
from axl.io.artifacts import read_artifact
from axl.ir import build
from tests.argo_e2e.artifacts import ArtifactDriver
from tests.argo_e2e.compare import assert_matches_local, output_file
from tests.argo_e2e.controller import submit
from tests.argo_e2e.executors import HostExecutor, PodSpec, _remap_manifest
from tests.argo_e2e.fixtures import axl_cli, compile_shipping_code
from tests.containers.podman import ROOT
from tests.examples_wf.conditions import Conditions
from tests.runtime.workflows import Boom, Diamond, Flaky

HOST = HostExecutor("chosen by the test")


class SecretEnv(Workflow):
    name = "secret-env"
    env = {"AXL_E2E_PLAIN": "plain", "AXL_E2E_TOKEN": Secret("api", "token")}

    @step
    def read(self) -> dict[str, Any]:
        return {k: os.environ.get(k) for k in ("AXL_E2E_PLAIN", "AXL_E2E_TOKEN")}


def doc_of(cls: type[Workflow], **options: Any) -> dict[str, Any]:
    return compile(build(cls).ir, ArgoOptions(python_path=(str(ROOT),), **options))


@pytest.mark.parametrize("artifacts", ["s3", "pvc"])
@pytest.mark.parametrize(
    ("params", "skipped"),
    [
        ({"run-label": "r1"}, {"retried"}),
        (
            {"run-label": "r2", "mode": "quick", "region": "apac"},
            {"full-report", "regional", "retried"},
        ),
    ],
)
def test_when_and_depends_decide_like_the_local_engine(tmp_path, artifacts, params, skipped):
    doc = doc_of(Conditions, artifacts=artifacts)
    run = submit(doc, tmp_path / "argo", HOST, params=params)
    local = axl_cli(
        "run", "local", "-m", "tests/examples_wf/conditions.py:Conditions",
        "--workspace", str(tmp_path / "local"),
        *(a for k, v in params.items() for a in ("--param", f"{k.replace('-', '_')}={v}")),
    )  # fmt: skip
    assert_matches_local(run, doc, local)
    assert {t for t, r in run.tasks.items() if r.phase != "Succeeded"} == skipped
    assert run.tasks["evaluate"].parameters == {"value": "0.91"}


def test_a_failed_task_omits_its_dependants_and_the_report_shows_the_error(tmp_path):
    run = submit(doc_of(Boom), tmp_path, HOST)
    assert run.phases == {"fine": "Succeeded", "explode": "Failed"}
    assert not run.succeeded
    assert run.tasks["explode"].exit_code == 3
    assert "bad value 1" in run.report()
    assert "explode: Failed (attempts 1, exit 3" in run.report()


def test_retry_strategy_reruns_the_pod_in_a_fresh_folder(tmp_path):
    counter = tmp_path / "tries"
    run = submit(doc_of(Flaky), tmp_path / "argo", HOST, params={"counter": str(counter)})
    assert (run.phases, run.tasks["work"].attempts, counter.read_text()) == (
        {"work": "Succeeded"},
        2,
        "2",
    )
    assert sorted(p.name for p in (tmp_path / "argo" / "pods" / "work").iterdir()) == [
        "attempt-0",
        "attempt-1",
    ]


def test_env_values_and_secret_references_reach_the_step(tmp_path):
    driver = ArtifactDriver(secrets={"api": {"token": "s3cr3t"}})
    doc = doc_of(SecretEnv)
    assert "s3cr3t" not in str(doc)
    run = submit(doc, tmp_path, HOST, driver=driver)
    assert read_artifact(output_file(run, doc, "read")) == {
        "AXL_E2E_PLAIN": "plain",
        "AXL_E2E_TOKEN": "s3cr3t",
    }


def test_a_missing_secret_fails_loudly(tmp_path):
    with pytest.raises(AssertionError, match="no Secret key"):
        submit(doc_of(SecretEnv), tmp_path, HOST)


def test_unknown_and_missing_parameters_are_refused(tmp_path):
    with pytest.raises(AssertionError, match="required parameters without value: \\['counter'\\]"):
        submit(doc_of(Flaky), tmp_path, HOST)
    with pytest.raises(AssertionError, match="has no parameters \\['nope'\\]"):
        submit(doc_of(Diamond), tmp_path, HOST, params={"nope": "1"})


def test_the_host_executor_remaps_paths_inside_the_manifest(tmp_path):
    table = [("/axl/inputs/a", "/host/in"), ("/axl", "/host/axl")]
    text = '{"code":{"path":"/axl/code/c.tar.gz"},"inputs":[{"path":"/axl/inputs/a/o.pkl"}],"n":1}'
    assert _remap_manifest(text, table) == (
        '{"code":{"path":"/host/axl/code/c.tar.gz","workdir":"/host/axl/workdir"},'
        '"inputs":[{"path":"/host/in/o.pkl"}],"n":1}'
    )
    assert _remap_manifest("{not json", table) == "{not json"


def test_the_host_executor_never_runs_in_the_checkout(tmp_path):
    command = ["python", "-c", "import os, sys; print(os.getcwd()); print(sys.executable)"]
    pod = PodSpec(image="-", command=command, env={}, mounts={}, scratch=tmp_path, timeout=30)
    result = HOST.run(pod)
    assert result.stdout.split() == [str(tmp_path / "axl"), sys.executable]


def test_the_host_fallback_runs_from_the_code_archive(tmp_path, s3_bucket, artifact_driver):
    """No checkout on the path: the code comes from the archive extracted in the pod's folder."""
    doc = compile_shipping_code(
        "tests/runtime/workflows.py:Diamond", ROOT / "tests" / "runtime", s3_bucket,
        "localhost/axl-runner:host", tmp_path / "diamond.yaml",
    )  # fmt: skip
    run = submit(doc, tmp_path / "argo", HOST, driver=artifact_driver)
    local = axl_cli(
        "run",
        "local",
        "-m",
        "tests/runtime/workflows.py:Diamond",
        "--workspace",
        str(tmp_path / "local"),
    )
    assert assert_matches_local(run, doc, local) == 112
    workdir = tmp_path / "argo" / "pods" / "a" / "attempt-0" / "scratch" / "axl" / "workdir"
    assert (workdir / "workflows.py").is_file()
