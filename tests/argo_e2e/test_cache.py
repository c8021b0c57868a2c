"""The step cache shared by pods and a local run, through S3 (a moto server on 127.0.0.1).

A workflow with cache=True steps is compiled with ``--cache-store`` and run
twice by the controller double: the first run's pods miss and store, the
second's all hit (the runner reports it and calls no step); then ``axl run
local`` with the same store, code and environment hits on every step too.
The pods run as host processes here: a podman pod has no network
(``--network=none``), and the cache store is a server on this machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.argo.cache_project import write_project
from tests.argo_e2e.artifacts import ArtifactDriver
from tests.argo_e2e.controller import WorkflowRun, submit
from tests.argo_e2e.executors import HostExecutor
from tests.argo_e2e.fixtures import axl_cli
from tests.fixtures.s3 import S3Bucket

pytestmark = pytest.mark.container
SECRET = "cache-credentials"


def _statuses(run: WorkflowRun) -> dict[str, str | None]:
    """Each task's cache status, from the runner's ``succeeded`` event."""
    found: dict[str, str | None] = {}
    for name, task in run.tasks.items():
        found[name] = None
        for line in task.stderr.splitlines():
            if line.startswith("{") and '"succeeded"' in line:
                found[name] = json.loads(line).get("cache", {}).get("status")
    return found


def test_pods_and_a_local_run_share_the_store(
    tmp_path: Path, s3_bucket: S3Bucket, artifact_driver: ArtifactDriver
) -> None:
    target = write_project(tmp_path / "project", "e2e")
    store = f"s3://{s3_bucket.name}/cache"
    out = tmp_path / "wf.yaml"
    report = axl_cli(
        "compile", "-m", target, "--target", "argo", "--out", str(out),
        "--code-bucket", f"s3://{s3_bucket.name}/code", "--s3-endpoint", s3_bucket.endpoint_url,
        "--cache-store", store, "--cache-endpoint", s3_bucket.endpoint_url,
        "--cache-secret", SECRET,
    )  # fmt: skip
    assert report["exit_code"] == 0, report
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    env = s3_bucket.server.env
    keys = {"accessKey": env["AWS_ACCESS_KEY_ID"], "secretKey": env["AWS_SECRET_ACCESS_KEY"]}
    driver = ArtifactDriver(repository=artifact_driver.repository, secrets={SECRET: keys})
    executor = HostExecutor("the cache store is a server on this machine")

    first = submit(doc, tmp_path / "first", executor, driver=driver, name="first")
    assert first.phases == {"load": "Succeeded", "total": "Succeeded"}, first.report()
    assert _statuses(first) == {"load": "miss", "total": "miss"}
    second = submit(doc, tmp_path / "second", executor, driver=driver, name="second")
    assert second.phases == {"load": "Succeeded", "total": "Succeeded"}, second.report()
    assert _statuses(second) == {"load": "hit", "total": "hit"}
    pickled = "output.pkl"
    assert (second.artifact("total") / pickled).read_bytes() == (
        first.artifact("total") / pickled
    ).read_bytes()

    local = axl_cli(
        "run", "local", "-m", target, "--workspace", str(tmp_path / "local"),
        "--cache-store", store, env={"AWS_ENDPOINT_URL": s3_bucket.endpoint_url},
    )  # fmt: skip
    assert local["exit_code"] == 0, local
    steps = local.get("steps", {})
    assert {name: step["status"] for name, step in steps.items()} == {
        "load": "cached",
        "total": "cached",
    }, local
    assert local["value"] == 60
