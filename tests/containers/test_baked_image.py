"""``axl build-image`` with podman: the example project with its own lock, baked twice.

The project (examples/baked_project: pyproject.toml, uv.lock with tabulate)
is copied to two folders, under two umasks, and built from each with
``axl build-image --uv-cache DIR --no-cache`` on the runner image built from
this tree: offline (``--network=none``, from a uv cache filled once on the
host), every layer built again. Both builds must give the same image ID.
The image then runs the compiled Argo workflow task by task without network
and gives what ``axl run local`` gives.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import axl
from tests.argo_e2e.compare import assert_matches_local
from tests.argo_e2e.controller import submit
from tests.argo_e2e.executors import ContainerExecutor
from tests.argo_e2e.fixtures import axl_cli
from tests.containers.images import cache_dir, machine_lock
from tests.containers.podman import Podman
from tests.fixtures.containers import note
from tests.packaging.image_helpers import PROJECT, TARGET, copy_project, report
from tests.packaging.image_helpers import axl as axl_run

pytestmark = [pytest.mark.container, pytest.mark.slow]

_BUILD_TIMEOUT = 900.0


@pytest.fixture(scope="session")
def uv_cache() -> Path:
    """A uv cache holding every wheel ``uv.lock`` needs, filled on the host once per lock."""
    import hashlib
    import shutil

    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed: it fills the cache the offline builds install from")
    lock = (PROJECT / "uv.lock").read_bytes()
    cache = cache_dir() / f"baked-uv-cache-{hashlib.sha256(lock).hexdigest()[:12]}"
    with machine_lock("baked-uv-cache"):
        if (cache / ".filled").exists():
            return cache
        scratch = cache_dir() / f"baked-venv-{os.getpid()}"
        result = subprocess.run(
            [uv, "sync", "--frozen", "--no-dev", "--no-install-project", "--project", str(PROJECT)],
            env={
                **os.environ,
                "UV_CACHE_DIR": str(cache),
                "UV_PROJECT_ENVIRONMENT": str(scratch),
                "UV_LINK_MODE": "copy",
            },
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        shutil.rmtree(scratch, ignore_errors=True)
        if result.returncode != 0:
            pytest.skip(f"cannot download the locked wheels: {result.stderr.strip()[-300:]}")
        (cache / ".filled").write_text("")
    return cache


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
    doc = yaml.safe_load(out.read_text())
    run = submit(doc, tmp_path / "argo", ContainerExecutor(podman), params={"minimum": "40"})
    local = axl_cli(
        "run", "local", "-m", TARGET, "--workspace", str(tmp_path / "local"),
        "--param", "minimum=40", cwd=project,
    )  # fmt: skip
    table = assert_matches_local(run, doc, local)
    assert table.splitlines()[2:] == [
        "| washers |       8 |      32 |",
        "| nuts    |      35 |       5 |",
    ]


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
