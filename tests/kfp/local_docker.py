"""Compiled pipelines run for real by KFP's own local runner, in the runner image.

``kfp.local.DockerRunner`` talks to podman's Docker-compatible service on a
socket in a temp folder (one service per test module). Each task is the
compiled container executor: the runner's KFP mode resolves the manifest's
``kfp://`` paths from the executor input KFP hands it (``{{$}}``) and
writes ``executor_output.json``. :func:`assert_matches_local` then holds
the run to ``axl run local``'s report for the same workflow and params:
the same steps run or skipped, every output byte for byte (digest, size,
file name), the registered digest, and the final value.

The workflow's code reaches the containers through ``python_path``: a copy
of its module (and its packages' ``__init__.py``) under the pipeline root,
which kfp mounts. Where the Argo end-to-end harness covers the same
workflow, :func:`argo_digests` runs it there too (the controller double,
host processes) for a three-way comparison.

Things about kfp.local on podman 4.3 handled here, not in axl:

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

Things about kfp.local noticed and left alone (they change nothing here):

- a retry waits ``backoffDuration`` in whole seconds (``Duration.seconds``,
  the nanos dropped): a sub-second backoff is no wait at all;
- a task's folder is ``<pipeline root>/<pipeline>-<timestamp>/<component
  name without comp->``, flat even for tasks inside a condition's sub-DAG,
  and a retried task reruns in the same folder;
- ``trigger_policy.condition`` is evaluated by substituting values into the
  text and calling Python's ``eval``; an expression it cannot evaluate is
  taken as false (the task is skipped, with a warning in the log).
"""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from axl import Workflow
from axl.compiler.argo import ArgoOptions
from axl.compiler.argo import compile as compile_argo
from axl.compiler.kfp import compile
from axl.compiler.kfp.layout import EXECUTOR_INPUT, EXECUTOR_INPUT_FLAG
from axl.compiler.kfp.options import KfpOptions
from axl.io.artifacts import read_artifact, read_meta
from axl.ir import build_ir
from axl.planning import param_text
from axl.runtime.__main__ import _load, _parser
from tests.argo_e2e.compare import assert_matches_local as assert_argo_matches_local
from tests.argo_e2e.compare import output_file
from tests.argo_e2e.controller import submit
from tests.argo_e2e.executors import HostExecutor
from tests.argo_e2e.fixtures import axl_cli
from tests.containers.podman import Podman

SERVICE_START_TIMEOUT = 30.0
STEP_TIMEOUT = 120
CODE = "code"
"""The folder under the pipeline root that holds the shipped modules."""


@pytest.fixture(scope="module")
def docker_host(
    podman: Podman | None,
    podman_missing_reason: str | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """``DOCKER_HOST`` of a podman service on a socket in a temp folder (stopped at the end)."""
    if podman is None:
        pytest.skip(f"podman missing: {podman_missing_reason}")
    docker = pytest.importorskip("docker")
    folder = tmp_path_factory.mktemp("podman-service")
    socket = folder / "podman.sock"
    url = f"unix://{socket}"
    log = (folder / "podman-service.log").open("w")
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


@pytest.fixture(scope="module")
def kfp_local(docker_host: str) -> Iterator[None]:
    """kfp.local's DockerRunner pointed at the podman service, its container runs replaced."""
    pytest.importorskip("kfp")
    from kfp.local import docker_task_handler

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOCKER_HOST", docker_host)
        patch.setattr(docker_task_handler, "run_docker_container", _run_docker_container)
        yield


# --- shipping the code -----------------------------------------------------------


def import_root(cls: type[Workflow]) -> Path:
    """The folder the workflow's module is imported from (``ROOT`` for ``tests.kfp.x``)."""
    depth = len(cls.__module__.split("."))
    return Path(inspect.getfile(cls)).resolve().parents[depth - 1]


def ship(cls: type[Workflow], dest: Path) -> Path:
    """Copy the workflow's module and its packages' ``__init__.py`` to ``dest``; returns ``dest``."""
    root = import_root(cls)
    module = Path(inspect.getfile(cls)).resolve()
    files = [module] + [
        folder / "__init__.py" for folder in module.parents if root in folder.parents
    ]
    for path in files:
        target = dest / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return dest


def workflow_target(cls: type[Workflow]) -> str:
    """``PATH:Class`` for ``axl run local -m``."""
    return f"{inspect.getfile(cls)}:{cls.__qualname__}"


# --- running ---------------------------------------------------------------------


@dataclass(frozen=True)
class KfpRun:
    """A pipeline kfp.local ran: the compiled document, its run folder, and how long it took."""

    doc: dict[str, Any]
    folder: Path
    """``<pipeline root>/<pipeline>-<timestamp>``: one folder per task that ran."""
    seconds: float

    def task_folder(self, step: str) -> Path:
        return self.folder / step_tasks(self.doc)[step]

    def executor_output(self, step: str) -> dict[str, Any]:
        """The ``executor_output.json`` the step's container wrote for kfp."""
        output: dict[str, Any] = json.loads(
            (self.task_folder(step) / "executor_output.json").read_text()
        )
        return output

    def registered(self, step: str) -> dict[str, Any]:
        """The output artifact ``executor_output.json`` registers for the step's task."""
        (artifact,) = self.executor_output(step)["artifacts"]["output"]["artifacts"]
        registered: dict[str, Any] = artifact
        return registered

    def output_parameters(self, step: str) -> set[str]:
        """The output parameters the step's component declares (a value a ``when`` reads)."""
        component = self.doc["components"][f"comp-{step_tasks(self.doc)[step]}"]
        return set(component.get("outputDefinitions", {}).get("parameters", {}))

    def output(self, step: str) -> Path:
        """The data file the step wrote (beside its sidecar, in the output artifact's folder)."""
        folder = Path(self.registered(step)["uri"])
        (data,) = [p for p in folder.iterdir() if not p.name.endswith(".meta.json")]
        return data

    def ran(self) -> set[str]:
        """Tasks whose container registered an output."""
        return {path.parent.name for path in self.folder.glob("*/executor_output.json")}


def step_tasks(doc: Mapping[str, Any]) -> dict[str, str]:
    """Step name -> its task's folder (the component's name without ``comp-``, as kfp.local has it)."""
    folders = {
        component["executorLabel"]: name.removeprefix("comp-")
        for name, component in doc["components"].items()
        if "executorLabel" in component
    }
    out = {}
    for label, executor in doc["deploymentSpec"]["executors"].items():
        args = executor["container"]["args"]
        assert args[-2:] == [EXECUTOR_INPUT_FLAG, EXECUTOR_INPUT]
        out[_load(_parser().parse_args(["run", *args[:-2]])).step] = folders[label]
    return out


def compile_shipped(cls: type[Workflow], image: str, pipeline_root: Path) -> dict[str, Any]:
    """The workflow compiled for ``image``, its code shipped under ``pipeline_root``."""
    code = ship(cls, pipeline_root / CODE)
    return compile(build_ir(cls), KfpOptions(image=image, python_path=(str(code),)))


def run_pipeline(doc: dict[str, Any], pipeline_root: Path, params: Mapping[str, Any]) -> KfpRun:
    """Load ``doc`` as kfp loads a pipeline file and run it with kfp.local's DockerRunner."""
    from kfp import components, local

    package = pipeline_root.with_name(f"{pipeline_root.name}.json")
    package.write_text(json.dumps(doc, indent=2))
    pipeline = components.load_component_from_file(str(package))
    local.init(runner=local.DockerRunner(), pipeline_root=str(pipeline_root))
    started = time.monotonic()
    try:
        pipeline(**params)
    finally:
        seconds = time.monotonic() - started
        print(f"kfp.local DockerRunner: {doc['pipelineInfo']['name']} in {seconds:.1f} s")
    return KfpRun(doc, run_folder(doc, pipeline_root), seconds)


def run_folder(doc: Mapping[str, Any], pipeline_root: Path) -> Path:
    """The one run folder kfp.local made under ``pipeline_root`` (``<pipeline>-<timestamp>``)."""
    (folder,) = pipeline_root.glob(f"{doc['pipelineInfo']['name']}-*")
    return folder


def run_local(cls: type[Workflow], workspace: Path, params: Mapping[str, Any]) -> dict[str, Any]:
    """``axl run local --json`` of the workflow with ``params`` (in a fresh process)."""
    args = [
        item
        for name, value in params.items()
        for item in ("--param", f"{name}={param_text(value)}")
    ]
    report = axl_cli(
        "run", "local", "-m", workflow_target(cls), "--workspace", str(workspace), *args
    )
    assert report["exit_code"] == 0, report
    return report


def argo_digests(
    cls: type[Workflow], root: Path, params: Mapping[str, Any], local: Mapping[str, Any]
) -> dict[str, str]:
    """The Argo end-to-end harness's run of the same workflow, checked against ``local``.

    Compiled to Argo with ``params`` as the Workflow's arguments and run by
    the controller double on host processes (as tests/argo_e2e/test_controller.py
    runs it); returns each step's output digest, by step.
    """
    options = ArgoOptions(python_path=(str(import_root(cls)),), params=dict(params))
    doc = compile_argo(build_ir(cls), options)
    run = submit(doc, root, HostExecutor("the Argo side of a KFP comparison"))
    assert_argo_matches_local(run, doc, local)
    return {
        step: read_meta(output_file(run, doc, step)).digest
        for step, info in local["steps"].items()
        if info["status"] != "skipped"
    }


# --- comparing -------------------------------------------------------------------


def digests(run: KfpRun) -> dict[str, str]:
    """Each step that ran, with the digest of its output."""
    tasks = step_tasks(run.doc)
    return {
        step: read_meta(run.output(step)).digest
        for step, task in tasks.items()
        if task in run.ran()
    }


def assert_matches_local(run: KfpRun, local: Mapping[str, Any]) -> Any:
    """Every step ran (or was skipped) as locally, and wrote byte-identical artifacts.

    ``local`` is the ``--json`` report of ``axl run local``. A skipped step's
    task has no folder at all (its container never started); a step whose
    value a ``when`` reads registers it as its component's output parameter. Returns the
    final step's value as kfp.local's run produced it (None when skipped).
    """
    assert local["ok"], local
    tasks = step_tasks(run.doc)
    assert set(tasks) == set(local["steps"])
    skipped = {step for step, info in local["steps"].items() if info["status"] == "skipped"}
    assert run.ran() == {tasks[step] for step in set(tasks) - skipped}
    for step, info in local["steps"].items():
        if step in skipped:
            assert not run.task_folder(step).exists(), step
            continue
        assert info["status"] == "succeeded", (step, info)
        (expected,) = info["outputs"]
        data = run.output(step)
        meta = read_meta(data)
        assert (meta.digest, meta.size) == (expected["digest"], expected["size"]), step
        assert data.name == Path(expected["path"]).name, step
        registered = run.registered(step)["metadata"]
        assert (registered["axl_digest"], registered["axl_size"]) == (
            expected["digest"],
            expected["size"],
        ), step
        values = run.executor_output(step).get("parameterValues", {})
        assert set(values) == run.output_parameters(step), step
        for value in values.values():  # what kfp evaluates a condition on
            assert value == read_artifact(data), step
    final = local["final_step"]
    if final in skipped:
        return None
    value = read_artifact(run.output(final))
    if "value" in local:
        assert value == local["value"]
    return value
