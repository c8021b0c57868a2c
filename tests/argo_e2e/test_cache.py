"""The step cache shared by pods and a local run, through S3 (a moto server on 127.0.0.1).

A workflow with cache=True steps is compiled with ``--cache-store`` and run
twice by the controller double: the first run's pods miss and store, the
second's all hit (the runner reports it and calls no step); then ``axl run
local`` with the same store, code and environment hits on every step too.

The pods run in the runner image built from this tree, on this machine's
network (``podman run --network=host``: the only way a container reaches the
moto server on 127.0.0.1), each with the exact command and env of its task's
template, the store's credentials resolved from the Secret reference as a
kubelet would. Every call of a step appends its name to ``calls.txt`` in a
folder the harness mounts in each pod (named by an env var the template does
not hold, so no key sees it). Without podman or the image the pods are host
processes, and the "containers" summary says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.argo_e2e.artifacts import ArtifactDriver
from tests.argo_e2e.controller import WorkflowRun, submit
from tests.argo_e2e.executors import WithTestFolder
from tests.argo_e2e.fixtures import Cluster, axl_cli
from tests.fixtures.s3 import S3Bucket

pytestmark = pytest.mark.container
SECRET = "cache-credentials"
CALLS_ENV = "CACHE_TEST_CALLS"

FLOW = f"""
import os

from axl import Workflow, step

from helpers_e2e import scale


def called(name):
    with open(os.path.join(os.environ["{CALLS_ENV}"], "calls.txt"), "a") as calls:
        calls.write(name + "\\n")


class Cached(Workflow):
    name = "cached-e2e"

    @step(cache=True)
    def load(self) -> list[int]:
        called("load")
        return [1, 2, 3]

    @step(cache=True)
    def total(self, load: list[int]) -> int:
        called("total")
        return scale(sum(load))
"""


def _write_project(folder: Path) -> str:
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text('[project]\nname = "cached"\nversion = "0"\n')
    (folder / "flow_e2e.py").write_text(FLOW)
    (folder / "helpers_e2e.py").write_text("def scale(value):\n    return value * 10\n")
    return f"{folder / 'flow_e2e.py'}:Cached"


def _statuses(run: WorkflowRun) -> dict[str, str | None]:
    """Each task's cache status, from the runner's ``succeeded`` event."""
    found: dict[str, str | None] = {}
    for name, task in run.tasks.items():
        found[name] = None
        for line in task.stderr.splitlines():
            if line.startswith("{") and '"succeeded"' in line:
                found[name] = json.loads(line).get("cache", {}).get("status")
    return found


def _calls(folder: Path) -> list[str]:
    path = folder / "calls.txt"
    return sorted(path.read_text().split()) if path.exists() else []


def test_pods_and_a_local_run_share_the_store(
    tmp_path: Path,
    s3_bucket: S3Bucket,
    artifact_driver: ArtifactDriver,
    host_network_cluster: Cluster,
) -> None:
    target = _write_project(tmp_path / "project")
    store = f"s3://{s3_bucket.name}/cache"
    out = tmp_path / "wf.yaml"
    report = axl_cli(
        "compile", "-m", target, "--target", "argo", "--out", str(out),
        "--image", host_network_cluster.image,
        "--code-bucket", f"s3://{s3_bucket.name}/code", "--s3-endpoint", s3_bucket.endpoint_url,
        "--cache-store", store, "--cache-endpoint", s3_bucket.endpoint_url,
        "--cache-secret", SECRET,
    )  # fmt: skip
    assert report["exit_code"] == 0, report
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    env = s3_bucket.server.env
    keys = {"accessKey": env["AWS_ACCESS_KEY_ID"], "secretKey": env["AWS_SECRET_ACCESS_KEY"]}
    driver = ArtifactDriver(repository=artifact_driver.repository, secrets={SECRET: keys})
    calls = tmp_path / "calls"
    calls.mkdir()
    executor = WithTestFolder(host_network_cluster.executor, calls, "/calls", CALLS_ENV)

    first = submit(doc, tmp_path / "first", executor, driver=driver, name="first")
    assert first.phases == {"load": "Succeeded", "total": "Succeeded"}, first.report()
    assert _statuses(first) == {"load": "miss", "total": "miss"}, first.report()
    assert _calls(calls) == ["load", "total"]
    second = submit(doc, tmp_path / "second", executor, driver=driver, name="second")
    assert second.phases == {"load": "Succeeded", "total": "Succeeded"}, second.report()
    assert _statuses(second) == {"load": "hit", "total": "hit"}, second.report()
    assert _calls(calls) == ["load", "total"]  # no pod of the second run called its step
    pickled = "output.pkl"
    assert (second.artifact("total") / pickled).read_bytes() == (
        first.artifact("total") / pickled
    ).read_bytes()

    local = axl_cli(
        "run", "local", "-m", target, "--workspace", str(tmp_path / "local"),
        "--cache-store", store, "--cache-endpoint", s3_bucket.endpoint_url,
        env={CALLS_ENV: str(calls)},
    )  # fmt: skip
    assert local["exit_code"] == 0, local
    steps = local.get("steps", {})
    assert {name: step["status"] for name, step in steps.items()} == {
        "load": "cached",
        "total": "cached",
    }, local
    assert local["value"] == 60
    assert _calls(calls) == ["load", "total"]
