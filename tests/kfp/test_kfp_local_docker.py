"""The compiled diamond run for real by KFP's own local runner, in the runner image.

``kfp.local.DockerRunner`` talks to podman's Docker-compatible service on a
socket in the test's temp folder. Each task is the compiled container
executor: the runner's KFP mode resolves the manifest's ``kfp://`` paths
from the executor input KFP hands it (``{{$}}``) and writes
``executor_output.json``. Every step's digest must be the one
``axl run local`` gets for the same workflow and parameters.

Three things about kfp.local on podman 4.3 are handled here, not in axl:

- kfp starts containers with ``auto_remove=True``, and podman removes a
  fast-exiting container before kfp reads its exit code and logs (the exit
  is then taken as 0). ``run_docker_container`` is replaced by one that runs
  detached, waits, reads the logs and only then removes the container;
  it refuses to pull (the image must be ``localhost/NAME:TAG``) and runs
  without network.
- kfp hands the container's command and arguments to Docker as ``CMD``, after
  the image's ``ENTRYPOINT`` (the runner image has one); on Kubernetes the
  command replaces it, so the replacement does that.
- kfp mounts the pipeline root read-write at the same path; the runner
  image's user (uid 1000) must be able to write there, so the mount is
  chowned to it (podman's ``U`` option), as a pod's volume with ``fsGroup``.

The workflow's code reaches the containers through ``python_path``: a copy
of the module under the pipeline root, which kfp mounts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from axl.compiler.kfp import compile
from axl.compiler.kfp.options import KfpOptions
from axl.ir import build_ir
from tests.argo.helpers import Diamond
from tests.containers.podman import ROOT, Podman
from tests.kfp.helpers import tasks

pytestmark = pytest.mark.slow

SERVICE_START_TIMEOUT = 30.0
STEP_TIMEOUT = 120
CODE_FILES = ("tests/__init__.py", "tests/argo/__init__.py", "tests/argo/helpers.py")
PARAMS = {"k": 4}


@pytest.fixture
def docker_host(
    podman: Podman | None, podman_missing_reason: str | None, tmp_path: Path
) -> Iterator[str]:
    """``DOCKER_HOST`` of a podman service on a socket in ``tmp_path`` (stopped at the end)."""
    if podman is None:
        pytest.skip(f"podman missing: {podman_missing_reason}")
    docker = pytest.importorskip("docker")
    socket = tmp_path / "podman.sock"
    url = f"unix://{socket}"
    log = (tmp_path / "podman-service.log").open("w")
    service = subprocess.Popen(
        [podman.executable, "system", "service", "--time=0", url],
        env=podman.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + SERVICE_START_TIMEOUT
        while True:
            if service.poll() is not None:
                pytest.skip(f"podman system service exited {service.returncode}")
            if socket.exists():
                try:
                    client = docker.DockerClient(base_url=url, timeout=10)
                    client.ping()
                    client.close()
                    break
                except docker.errors.DockerException:
                    pass
            if time.monotonic() > deadline:
                pytest.skip(f"podman system service did not answer on {socket}")
            time.sleep(0.1)
        yield url
    finally:
        service.terminate()
        try:
            service.wait(timeout=15)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait(timeout=15)
        log.close()


def _run_docker_container(
    client: Any, image: str, command: list[str], volumes: dict[str, Any], **run_args: Any
) -> int:
    """kfp's ``run_docker_container``, made to work on podman: run, wait, log, remove."""
    if ":" not in image.rsplit("/", 1)[-1]:
        image = f"{image}:latest"
    client.images.get(image)  # never pull: a missing image is an error
    chowned = {
        host: {**mount, "mode": f"{mount.get('mode', 'rw')},U"} for host, mount in volumes.items()
    }
    run_args.pop("auto_remove", None)
    run_args.setdefault("network_mode", "none")
    container = client.containers.run(
        image=image,
        entrypoint=command[:1],
        command=command[1:],
        detach=True,
        volumes=chowned,
        **run_args,
    )
    try:
        status = container.wait(timeout=STEP_TIMEOUT)
        print(container.logs(stdout=True, stderr=True).decode(errors="replace"), end="")
        return int(status["StatusCode"])
    finally:
        container.remove(force=True)


@pytest.fixture
def kfp_local(
    docker_host: str, runner_image: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """kfp.local set up for the DockerRunner on podman; yields the runner image."""
    pytest.importorskip("kfp")
    from kfp.local import docker_task_handler

    monkeypatch.setenv("DOCKER_HOST", docker_host)
    monkeypatch.setattr(docker_task_handler, "run_docker_container", _run_docker_container)
    yield runner_image


def _local_digests(workspace: Path) -> dict[str, str]:
    """Every step's output digest from ``axl run local --json`` on the same workflow."""
    args = [f"{key}={value}" for key, value in PARAMS.items()]
    result = subprocess.run(
        [sys.executable, "-m", "axl", "run", "local", "-m", "tests.argo.helpers:Diamond"]
        + [item for arg in args for item in ("--param", arg)]
        + ["--json", "--workspace", str(workspace)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    steps = json.loads(result.stdout)["steps"]
    return {name: step["outputs"][0]["digest"] for name, step in steps.items()}


def test_the_compiled_diamond_runs_on_kfp_local_docker_with_the_local_digests(
    kfp_local: str, tmp_path: Path
):
    from kfp import components, local

    pipeline_root = tmp_path / "kfp-root"
    code = pipeline_root / "code"
    for name in CODE_FILES:
        (code / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, code / name)
    options = KfpOptions(image=kfp_local, python_path=(str(code),))
    doc = compile(build_ir(Diamond), options)
    package = tmp_path / "diamond.yaml"
    package.write_text(json.dumps(doc, indent=2))
    pipeline = components.load_component_from_file(str(package))

    local.init(runner=local.DockerRunner(), pipeline_root=str(pipeline_root))
    started = time.monotonic()
    pipeline(**PARAMS)
    seconds = time.monotonic() - started
    print(f"kfp.local DockerRunner ran {len(tasks(doc))} tasks in {seconds:.1f} s")

    expected = _local_digests(tmp_path / "local")
    for step, digest in expected.items():
        task = step.replace("_", "-")
        (output_file,) = pipeline_root.glob(f"*/{task}/executor_output.json")
        registered = json.loads(output_file.read_text())
        (artifact,) = registered["artifacts"]["output"]["artifacts"]
        assert artifact["metadata"]["axl_digest"] == digest, step
        sidecar = Path(artifact["uri"]) / "output.meta.json"
        assert json.loads(sidecar.read_text())["digest"] == digest, step
