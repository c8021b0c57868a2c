"""``axl build-image`` with podman: the example project with its own lock, baked twice.

The project (examples/baked_project: pyproject.toml, uv.lock with tabulate)
is copied to two folders, under two umasks, and built from each with
``axl build-image --uv-cache DIR --no-cache`` on the runner image built from
this tree: offline (``--network=none``, from a uv cache filled once on the
host), every layer built again. Both builds must give the same image ID.
The image then runs the compiled Argo workflow task by task without network
and gives what ``axl run local`` gives.

Pinned by digest: the project is also built with ``--push`` to a registry on
127.0.0.1 (tests/containers/registry.py), the ``--json`` report written to a
file, and ``axl compile --image-from`` that file names the image as
``REPO@sha256:...`` in every Argo template and KFP executor; the Argo workflow
runs in the image pulled by that digest, without a code archive.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import axl
from tests.argo.helpers import runner_call
from tests.argo_e2e.compare import assert_matches_local
from tests.argo_e2e.controller import submit
from tests.argo_e2e.executors import ContainerExecutor
from tests.argo_e2e.fixtures import axl_cli
from tests.containers.images import ImageUnavailable, fill_uv_cache
from tests.containers.podman import Podman
from tests.containers.registry import Registry, local_registry
from tests.fixtures.containers import note
from tests.packaging.image_helpers import PROJECT, TARGET, copy_project, report
from tests.packaging.image_helpers import axl as axl_run

pytestmark = [pytest.mark.container, pytest.mark.slow]

_BUILD_TIMEOUT = 900.0


@pytest.fixture(scope="session")
def uv_cache() -> Path:
    """A uv cache holding every wheel ``uv.lock`` needs, filled on the host once per lock."""
    try:
        return fill_uv_cache(PROJECT)
    except ImageUnavailable as exc:
        pytest.skip(str(exc))


@dataclass(frozen=True)
class Baked:
    """The two builds of the example project, with one tag."""

    tag: str
    reports: tuple[dict[str, Any], ...]
    contexts: tuple[Path, ...]


def _bake(project: Path, tag: str, base: str, cache: Path, context: Path, podman: Podman) -> Any:
    return axl_run(
        "build-image", "-m", TARGET, "--tag", tag, "--engine", "podman", "--base", base,
        "--uv-cache", str(cache), "--no-cache", "--context-out", str(context), "--json",
        cwd=project, env={"CONTAINERS_CONF": podman.env["CONTAINERS_CONF"]},
        timeout=_BUILD_TIMEOUT,
    )  # fmt: skip


@pytest.fixture(scope="session")
def baked(
    podman: Podman, runner_image: str, uv_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Baked]:
    """The example project built from two copies (different paths and umasks), same tag."""
    root = tmp_path_factory.mktemp("baked")
    tag = f"localhost/axl-inventory:test-{os.getpid()}"
    copies = (
        copy_project(root / "one" / "inventory-report", umask=0o022, mtime=0),
        copy_project(root / "two" / "somewhere" / "else", umask=0o077),
    )
    reports, contexts = [], []
    try:
        for number, project in enumerate(copies, 1):
            context = root / f"context-{number}.tar"
            started = time.monotonic()
            reports.append(report(_bake(project, tag, runner_image, uv_cache, context, podman)))
            note(
                f"built {tag} from {project} in {time.monotonic() - started:.1f} s: "
                f"{reports[-1]['image_id']}"
            )
            contexts.append(context)
        yield Baked(tag, tuple(reports), tuple(contexts))
    finally:
        podman("rmi", "--force", tag, check=False)


def test_two_copies_give_the_same_context_and_image_id(baked: Baked) -> None:
    first, second = baked.reports
    assert first["image_id"].startswith("sha256:")
    assert first["image_id"] == second["image_id"]
    assert first["context"]["digest"] == second["context"]["digest"]
    assert baked.contexts[0].read_bytes() == baked.contexts[1].read_bytes()
    assert first["base"]["pinned"].startswith("sha256:")


def test_the_image_carries_its_labels(podman: Podman, baked: Baked) -> None:
    labels = podman.labels(baked.tag)
    built = baked.reports[0]
    assert {key: labels.get(key) for key in built["labels"]} == built["labels"]
    assert labels["axl.dev/version"] == axl.__version__
    assert labels["axl.dev/workflow"] == "inventory"
    assert labels["axl.dev/hash"] == built["hash"]
    assert labels["axl.dev/code-digest"] == built["code_digest"]
    assert labels["axl.dev/lock-digest"] == built["lock_digest"]
    assert labels["org.opencontainers.image.created"] == "1970-01-01T00:00:00Z"
    assert labels["org.opencontainers.image.version"] == "0.1.0"
    config = json.loads(
        podman("image", "inspect", "--format", "{{json .Config}}", baked.tag).stdout
    )
    assert config["User"] == "1000:1000"
    assert config["Entrypoint"] == ["python", "-m", "axl.runtime"]
    assert "PYTHONPATH=/axl/code" in config["Env"]
    created = podman("image", "inspect", "--format", "{{.Created.Unix}}", baked.tag).stdout
    assert created.strip() == "0"


_INSIDE = """
import importlib.metadata as m, json, pathlib, sys
import tabulate, axl, inventory.flow
print(json.dumps({
    "tabulate": m.version("tabulate"),
    "from_venv": tabulate.__file__.startswith(sys.prefix),
    "axl": axl.__version__,
    "flow": inventory.flow.__file__,
    "pyc": sorted(p.name for p in pathlib.Path("/axl/code/inventory/__pycache__").iterdir()),
}))
"""


def test_the_locked_packages_and_the_code_are_in_the_image(podman: Podman, baked: Baked) -> None:
    result = podman.run_in_image(baked.tag, ["python", "-c", _INSIDE])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "tabulate": "0.10.0",
        "from_venv": True,
        "axl": axl.__version__,
        "flow": "/axl/code/inventory/flow.py",
        "pyc": ["__init__.cpython-311.pyc", "flow.cpython-311.pyc", "render.cpython-311.pyc"],
    }


def test_the_compiled_workflow_runs_in_the_image_without_network(
    podman: Podman, baked: Baked, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project")
    out = tmp_path / "inventory.yaml"
    compiled = axl_cli(
        "compile", "-m", TARGET, "--target", "argo", "--image", baked.tag, "--out", str(out),
        cwd=project,
    )  # fmt: skip
    assert compiled["exit_code"] == 0, compiled
    _assert_runs_as_locally(yaml.safe_load(out.read_text()), podman, project, tmp_path)


def _assert_runs_as_locally(doc: dict[str, Any], podman: Podman, project: Path, tmp: Path) -> None:
    """Run ``doc`` task by task in its images (controller double, podman, no network) and
    check that every step wrote what ``axl run local`` writes."""
    run = submit(doc, tmp / "argo", ContainerExecutor(podman), params={"minimum": "40"})
    local = axl_cli(
        "run", "local", "-m", TARGET, "--workspace", str(tmp / "local"),
        "--param", "minimum=40", cwd=project,
    )  # fmt: skip
    table = assert_matches_local(run, doc, local)
    assert table.splitlines()[2:] == [
        "| washers |       8 |      32 |",
        "| nuts    |      35 |       5 |",
    ]


# --- pinned by digest: pushed, compiled with --image-from, pulled and run by digest ------


@dataclass(frozen=True)
class Pushed:
    """The example project's image pushed to the test registry, and its build report."""

    report: dict[str, Any]
    report_file: Path
    project: Path
    registry: Registry


@pytest.fixture(scope="session")
def pushed(
    podman: Podman,
    runner_image: str,
    uv_cache: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Pushed]:
    """``axl build-image --push --json`` to a registry on 127.0.0.1, the report in a file."""
    root = tmp_path_factory.mktemp("pushed")
    project = copy_project(root / "project")
    with local_registry(root) as registry:
        tag = f"{registry.host}/axl-inventory:digest-{os.getpid()}"
        env = {"CONTAINERS_CONF": podman.env["CONTAINERS_CONF"], **registry.env}
        built: dict[str, Any] = {}
        try:
            result = axl_run(
                "build-image", "-m", TARGET, "--tag", tag, "--engine", "podman",
                "--base", runner_image, "--uv-cache", str(uv_cache), "--push", "--json",
                cwd=project, env=env, timeout=_BUILD_TIMEOUT,
            )  # fmt: skip
            built = report(result)
            report_file = root / "build.json"
            report_file.write_text(result.stdout)
            assert registry.manifest_digests("axl-inventory") == {built["digest"]}
            yield Pushed(built, report_file, project, registry)
        finally:
            for name in (tag, built.get("reference")):
                if name:
                    podman("rmi", name, check=False)


def test_the_pushed_report_pins_the_image_that_was_built(baked: Baked, pushed: Pushed) -> None:
    built = pushed.report
    repository = built["tag"].rpartition(":")[0]
    assert built["pushed"] is True
    assert built["digest"].startswith("sha256:") and len(built["digest"]) == 71
    assert built["reference"] == f"{repository}@{built['digest']}"
    # Another tag, the same content: the image the other tests built and checked.
    assert built["image_id"] == baked.reports[0]["image_id"]
    assert built["hash"] == baked.reports[0]["hash"]


def test_argo_runs_the_image_by_digest_as_axl_run_local_does(
    podman: Podman, pushed: Pushed, tmp_path: Path
) -> None:
    """``axl compile --target argo --image-from BUILD.json``: every step's image is
    ``REPO@sha256:...``, no code archive; the controller double runs it in that image.

    podman runs ``REPO@sha256:<digest>`` only once it knows that digest: the one
    the registry answers for a push is the sha256 of the manifest of compressed
    layers, which a build's local manifest (uncompressed layers) does not have.
    So the image is pulled by digest from the registry first, as a kubelet pulls
    it (the layers are here already: a fraction of a second), and the pulled
    image is checked to be the built one (``podman image inspect`` gives the
    report's image ID); the pods then run with ``--pull=never``.
    """
    text = _compile_from_report(pushed, "argo", tmp_path / "inventory.yaml")
    doc = yaml.safe_load(text)
    containers = [t for t in doc["spec"]["templates"] if "container" in t]
    assert len(containers) == 3
    assert {t["container"]["image"] for t in containers} == {pushed.report["reference"]}
    assert all(runner_call(t)[1].code is None for t in containers)  # no code archive
    _pull_by_digest(podman, pushed)
    _assert_runs_as_locally(doc, podman, pushed.project, tmp_path)


def _pull_by_digest(podman: Podman, pushed: Pushed) -> None:
    """Pull the pushed image by its reference, and check it is the image that was built."""
    reference = pushed.report["reference"]
    pulling = Podman(podman.executable, {**podman.env, **pushed.registry.env})
    pulling("pull", "--quiet", reference, timeout=_BUILD_TIMEOUT)
    found = podman("image", "inspect", "--format", "{{.Id}}", reference).stdout.strip()
    assert f"sha256:{found}" == pushed.report["image_id"]


def test_kfp_compiles_every_executor_to_the_image_by_digest(pushed: Pushed, tmp_path: Path) -> None:
    text = _compile_from_report(pushed, "kfp", tmp_path / "inventory.yaml")
    executors = yaml.safe_load(text)["deploymentSpec"]["executors"]
    assert len(executors) == 3
    images = {e["container"]["image"] for e in executors.values()}
    assert images == {pushed.report["reference"]}


def _compile_from_report(pushed: Pushed, target: str, out: Path) -> str:
    """``axl compile --target TARGET --image-from BUILD.json``: the text, which names the
    image by digest and never by the tag it was pushed with."""
    compiled = axl_cli(
        "compile", "-m", TARGET, "--target", target, "--image-from", str(pushed.report_file),
        "--out", str(out), cwd=pushed.project,
    )  # fmt: skip
    assert compiled["exit_code"] == 0, compiled
    text = out.read_text()
    assert pushed.report["tag"] not in text
    assert pushed.report["tag"].rpartition(":")[2] not in text
    return text


def test_a_base_without_axl_fails_the_build_in_one_line(
    podman: Podman, base_image: str, uv_cache: Path, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project")
    result = axl_run(
        "build-image", "-m", TARGET, "--tag", f"localhost/axl-inventory:broken-{os.getpid()}",
        "--engine", "podman", "--base", base_image, "--uv-cache", str(uv_cache),
        cwd=project, env={"CONTAINERS_CONF": podman.env["CONTAINERS_CONF"]},
        timeout=_BUILD_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 4, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: podman build failed: the base image has no axl {axl.__version__} in "
        "/opt/axl/venv; build on the axl runner image of that version (--base)"
    ]
    assert "Traceback" not in result.stderr
