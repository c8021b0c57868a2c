"""warm_env on Argo: the warm task first, every step after it, the env store in each manifest.

Without warm_env the output is what it always was (the golden files of the other
examples); ``warm-env.yaml`` is the golden file of a workflow that sets it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from axl import Workflow, step
from axl.compiler.argo import ArgoOptions, compile, render
from axl.compiler.argo.checks import lint
from axl.compiler.argo.target import TARGET
from axl.manifest import EnvStore, WarmManifest
from axl.packaging import CodeLocation
from axl.planning.warm import env_store_at
from tests.argo.helpers import WARM_OPTIONS, ir_of, runner_call, tasks, templates
from tests.argo.pods import run_document
from tests.argo_e2e.fixtures import axl_cli
from tests.examples_wf.warm_env import Clash, WarmEnv
from tests.runtime.env_workflows import WarmProbe
from tests.runtime.offline_envs import OTHER, PROBE, OfflineUv, offline_uv

STORE = WARM_OPTIONS.env_store
ARCHIVE = WARM_OPTIONS.code_archive
WARM = WARM_OPTIONS

__all__ = ["offline_uv"]  # the fixture


def _warm_manifest(doc) -> WarmManifest:
    container = templates(doc)["axl-warm-env"]["container"]
    assert container["command"] == ["python", "-m", "axl.runtime", "warm"]
    assert container["args"][0] == "--manifest-json"
    return WarmManifest.from_json(container["args"][1])


def test_the_warm_task_runs_first_and_every_step_after_it():
    doc = compile(ir_of(WarmEnv), WARM)
    dag = tasks(doc)
    assert next(iter(dag)) == "axl-warm-env" and "depends" not in dag["axl-warm-env"]
    assert dag["load"]["depends"] == dag["announce"]["depends"] == "axl-warm-env.Succeeded"
    assert dag["fit"]["depends"] == "load.Succeeded"  # after the warm task through load
    assert lint(doc) == []


def test_the_warm_manifest_holds_each_set_once_and_the_store():
    warm = _warm_manifest(compile(ir_of(WarmEnv), WARM))
    assert warm.sets == (
        ("tabulate==0.9.0", "numpy==2.1.3"),
        ("tabulate==0.9.0", "scipy==1.14.1"),
        ("tabulate==0.9.0",),
    )
    assert (warm.store, warm.workflow_name) == (STORE, "warm-env")


def test_each_step_names_the_store_and_gets_the_archive_credentials():
    doc = compile(ir_of(WarmEnv), WARM)
    for name in ("load", "fit", "report", "announce"):
        _, manifest = runner_call(templates(doc)[name])
        assert (manifest.packages.policy, manifest.packages.store) == ("install", STORE)
        env = {var["name"]: var for var in templates(doc)[name]["container"]["env"]}
        assert env["AWS_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"] == {
            "name": "minio-credentials",
            "key": "accessKey",
        }
        assert env["UV_INDEX_URL"] == {
            "name": "UV_INDEX_URL",
            "value": "https://pypi.example.com/simple",
        }
    warm_env = {var["name"] for var in templates(doc)["axl-warm-env"]["container"]["env"]}
    assert warm_env == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "TOKEN", "UV_INDEX_URL"}


def test_credentials_the_workflow_sets_itself_are_kept():
    class OwnKeys(WarmEnv):
        env = {"AWS_ACCESS_KEY_ID": "mine"}

    doc = compile(ir_of(OwnKeys), WARM)
    env = {var["name"]: var for var in templates(doc)["load"]["container"]["env"]}
    assert env["AWS_ACCESS_KEY_ID"] == {"name": "AWS_ACCESS_KEY_ID", "value": "mine"}


@pytest.mark.parametrize(
    ("options", "why"),
    [
        (
            ArgoOptions(code_archive=ARCHIVE, packages_policy="install"),
            "does not ship as an archive",
        ),
        (ArgoOptions(code_archive=ARCHIVE, env_store=STORE), "the packages policy is 'check'"),
    ],
)
def test_without_a_store_or_the_install_policy_there_is_no_warm_task(options, why):
    output = render(ir_of(WarmEnv), options)
    assert "axl-warm-env" not in output.yaml
    assert '"store"' not in output.yaml
    (warning,) = output.warnings
    assert warning.startswith("workflow 'warm-env' sets warm_env, but") and why in warning


def test_a_workflow_without_packages_gets_no_warm_task():
    class Bare(Workflow):
        warm_env = True

        @step
        def only(self) -> int:
            return 1

    output = render(ir_of(Bare), WARM)
    assert "axl-warm-env" not in output.yaml and output.warnings == ()


def test_a_step_named_like_the_warm_step_gets_another_name():
    doc = compile(ir_of(Clash), WARM)
    names = [t["name"] for t in templates(doc).values()]
    assert names.count("axl-warm-env") == 1 and len(set(names)) == len(names)
    assert lint(doc) == []


def test_the_store_is_beside_the_code_archive():
    location = CodeLocation(
        key="ml/axl/code/code-0123456789abcdef.tar.gz",
        digest="blake3:" + "ab" * 32,
        bucket="ml-artifacts",
        endpoint="minio.minio:9000",
        insecure=True,
        secret="minio-creds",
    )
    options = TARGET.with_code(ArgoOptions(packages_policy="install"), location)
    assert options.env_store == EnvStore(
        uri="s3://ml-artifacts/ml/axl/code/envs", endpoint="http://minio.minio:9000"
    )
    assert env_store_at("b", "code-1.tar.gz") == EnvStore(uri="s3://b/envs")
    assert env_store_at("b", "p/code-1.tar.gz", "s3.example.com") == EnvStore(
        uri="s3://b/p/envs", endpoint="https://s3.example.com"
    )
    assert env_store_at(None, "p/code-1.tar.gz") is None


def test_the_compiled_warm_task_and_steps_run_with_the_real_runner(
    offline_uv: OfflineUv, s3_bucket, tmp_path: Path, monkeypatch, capsys
):
    monkeypatch.setattr(sys, "path", list(sys.path))  # the runner puts envs on it
    for name in (PROBE, f"{PROBE}_dep", OTHER):
        monkeypatch.delitem(sys.modules, name, raising=False)
    store = EnvStore(uri=f"s3://{s3_bucket.name}/code/envs", endpoint=s3_bucket.endpoint_url)
    doc = compile(ir_of(WarmProbe), ArgoOptions(env_store=store, packages_policy="install"))
    run = run_document(doc, tmp_path / "argo")
    assert run.phases == {"axl-warm-env": "Succeeded", "probe": "Succeeded", "other": "Succeeded"}
    events = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    ready = [(e["step"], e["source"]) for e in events if e["status"] == "env_ready"]
    assert ready == [
        ("axl-warm-env", "installed"),
        ("axl-warm-env", "installed"),
        ("probe", "cache"),
        ("other", "cache"),
    ]
    listed = s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name, Prefix="code/envs/")
    assert len(listed["Contents"]) == 2
    for name in (PROBE, f"{PROBE}_dep", OTHER):
        sys.modules.pop(name, None)


def test_axl_compile_code_bucket_and_install_writes_the_warm_task(s3_bucket, tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "warm-project"\nversion = "0"\n')
    (project / "flow.py").write_text(
        "from axl import Workflow, step\n\n\n"
        "class Flow(Workflow):\n"
        "    warm_env = True\n"
        "    requirements = ['tabulate==0.9.0']\n\n"
        "    @step\n"
        "    def only(self) -> int:\n"
        "        return 1\n"
    )
    report = axl_cli(
        "compile", "-m", "flow.py:Flow", "--target", "argo", "--out", "wf.yaml",
        "--workflow-path", ".", "--code-bucket", f"s3://{s3_bucket.name}/code",
        "--s3-endpoint", s3_bucket.endpoint_url, "--packages", "install",
        cwd=project,
    )  # fmt: skip
    assert report["exit_code"] == 0, report
    doc = yaml.safe_load((project / "wf.yaml").read_text())
    assert _warm_manifest(doc).store == EnvStore(uri=f"s3://{s3_bucket.name}/code/envs")
    assert tasks(doc)["only"]["depends"] == "axl-warm-env.Succeeded"
