"""Fixtures of the end-to-end tests: where compiled workflows run, and the axl CLI.

``argo_cluster`` runs pods in the runner image built from this tree;
``sklearn_cluster`` in that image plus scikit-learn (tests/argo_e2e/images.py);
``host_network_cluster`` in the runner image on this machine's network.
Where podman or the image is unavailable, each is a host-process cluster
instead, and the "containers" summary at the end of the run says so.
``conftest.py`` files import these names to use them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.argo_e2e.artifacts import ArtifactDriver, ArtifactRepository
from tests.argo_e2e.executors import ContainerExecutor, Executor, HostExecutor
from tests.argo_e2e.images import ensure_sklearn_image
from tests.containers.images import BASE_IMAGE, ImageUnavailable, RunnerBuild
from tests.containers.podman import ROOT, Podman
from tests.fixtures.containers import note
from tests.fixtures.s3 import S3Bucket

CLI_TIMEOUT = 300.0


@dataclass(frozen=True)
class Cluster:
    """Where compiled workflows run: the executor, and the image their YAML should name."""

    executor: Executor
    image: str


def _host(reason: str, what: str) -> Cluster:
    note(f"argo end-to-end ({what}): {reason}; running each task as a host process instead")
    return Cluster(HostExecutor(reason), "localhost/axl-runner:host")


@pytest.fixture(scope="session")
def argo_cluster(podman: Podman | None, runner_build_or_reason: RunnerBuild | str) -> Cluster:
    """Pods in the runner image (or host processes where that is impossible)."""
    if isinstance(runner_build_or_reason, str) or podman is None:
        return _host(str(runner_build_or_reason), "runner image")
    return Cluster(ContainerExecutor(podman), runner_build_or_reason.image)


@pytest.fixture(scope="session")
def host_network_cluster(
    podman: Podman | None, runner_build_or_reason: RunnerBuild | str
) -> Cluster:
    """Pods in the runner image on this machine's network (``podman run --network=host``),
    for a test whose pods reach a server it started on 127.0.0.1; or host processes."""
    if isinstance(runner_build_or_reason, str) or podman is None:
        return _host(str(runner_build_or_reason), "runner image, host network")
    return Cluster(ContainerExecutor(podman, network="host"), runner_build_or_reason.image)


@pytest.fixture(scope="session")
def sklearn_cluster(podman: Podman | None, runner_build_or_reason: RunnerBuild | str) -> Cluster:
    """Pods in the runner image with scikit-learn (or host processes)."""
    if isinstance(runner_build_or_reason, str) or podman is None:
        return _host(str(runner_build_or_reason), "scikit-learn image")
    try:
        build = ensure_sklearn_image(podman, BASE_IMAGE, runner_build_or_reason.image)
    except ImageUnavailable as exc:
        return _host(f"image unavailable: {exc}", "scikit-learn image")
    if build.layer_seconds is not None:
        note(
            f"built the scikit-learn layer ({' '.join(build.requirements)}) in {build.layer_seconds:.1f} s"
        )
    if build.seconds is not None:
        note(f"built {build.image} (runner + scikit-learn) in {build.seconds:.1f} s")
    return Cluster(ContainerExecutor(podman), build.image)


@pytest.fixture
def artifact_driver(s3_bucket: S3Bucket) -> ArtifactDriver:
    """Argo's artifact driver, with the test's bucket as the default artifact repository."""
    env = s3_bucket.server.env
    repository = ArtifactRepository(
        endpoint_url=s3_bucket.endpoint_url,
        bucket=s3_bucket.name,
        access_key=env["AWS_ACCESS_KEY_ID"],
        secret_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    return ArtifactDriver(repository=repository)


def axl_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m axl ARGS --json`` in a fresh process (user code never loads in the tests')."""
    full_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    full_env.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "axl", *args, "--json"],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except ValueError:
        report = {"ok": False, "stdout": result.stdout}
    report["exit_code"] = result.returncode
    report["stderr"] = result.stderr
    return report


def compile_shipping_code(
    target: str, workflow_path: Path, bucket: S3Bucket, image: str, out: Path, *extra: str
) -> dict[str, Any]:
    """``axl compile`` with the code archive uploaded to the test bucket (key-only artifact)."""
    report = axl_cli(
        "compile", "-m", target, "--target", "argo", "--out", str(out), "--image", image,
        "--workflow-path", str(workflow_path), "--code-bucket", f"s3://{bucket.name}/code",
        "--s3-endpoint", bucket.endpoint_url, *extra,
    )  # fmt: skip
    assert report["exit_code"] == 0, report
    assert report["code"]["uploaded"] is True
    return yaml.safe_load(out.read_text(encoding="utf-8"))
