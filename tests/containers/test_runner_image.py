"""The runner image: what it contains, what it leaves out, and how it runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

import axl
from tests.containers.images import RunnerBuild
from tests.containers.podman import ROOT, Podman, PodmanError

pytestmark = pytest.mark.container

_PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
_UV_VERSION = re.search(
    r"^ARG UV_VERSION=(\S+)$", (ROOT / "Dockerfile.runner").read_text(), re.MULTILINE
)

# Walks the image's filesystem and reports anything from a checkout or a dev setup.
_INVENTORY = r"""
import importlib.util, json, os, shutil, sys
examples = set(sys.argv[1:])
found = {"project_files": [], "workflow_code": [], "dev_modules": [], "dev_commands": []}
for root, dirs, files in os.walk("/"):
    if root in ("/proc", "/sys", "/dev"):
        dirs[:] = []
        continue
    in_packages = "site-packages" in root or "dist-packages" in root
    for name in files + dirs:
        path = os.path.join(root, name)
        if name in ("pyproject.toml", "uv.lock", ".git", "conftest.py") and not in_packages:
            found["project_files"].append(path)
        if name in examples:
            found["workflow_code"].append(path)
found["dev_modules"] = [m for m in ("pytest", "ruff", "mypy", "hypothesis", "moto")
                        if importlib.util.find_spec(m) is not None]
found["dev_commands"] = [c for c in ("pytest", "ruff", "mypy", "git") if shutil.which(c)]
found["axl_entries"] = sorted(os.listdir("/axl"))
print(json.dumps(found))
"""


def test_embedded_version_is_the_repositorys(run_in_image, runner_image: str) -> None:
    result = run_in_image(runner_image, ["python", "-c", "import axl; print(axl.__version__)"])
    assert (result.returncode, result.stdout.strip()) == (0, axl.__version__), result.stderr


_SOURCES_DIGEST = """
import hashlib, pathlib, axl
root = pathlib.Path(axl.__file__).parent
h = hashlib.sha256()
for path in sorted(root.rglob("*.py")):
    h.update(str(path.relative_to(root)).encode() + b"\\0" + path.read_bytes())
print(h.hexdigest())
"""


def test_installed_axl_is_the_checkouts_code(run_in_image, runner_image: str) -> None:
    """Not a stale wheel from a build cache: every module is the one in this checkout."""
    import hashlib

    here = Path(axl.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(here.rglob("*.py")):
        digest.update(str(path.relative_to(here)).encode() + b"\0" + path.read_bytes())
    result = run_in_image(runner_image, ["python", "-c", _SOURCES_DIGEST])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == digest.hexdigest()


def test_oci_labels(podman: Podman, runner_build: RunnerBuild) -> None:
    labels = podman.labels(runner_build.image)
    assert labels["org.opencontainers.image.version"] == axl.__version__
    assert labels["org.opencontainers.image.revision"] == runner_build.inputs_digest
    assert labels["org.opencontainers.image.source"] == _PYPROJECT["urls"]["Source"]
    assert labels["org.opencontainers.image.licenses"] == _PYPROJECT["license"]
    assert labels["org.opencontainers.image.title"] == "axl runner"
    assert "axl.runtime" in labels["org.opencontainers.image.description"]


def test_no_checkout_workflow_code_or_dev_tools(run_in_image, runner_image: str) -> None:
    examples = sorted(p.name for p in (ROOT / "examples").glob("*.py") if p.name != "__init__.py")
    assert examples, "the examples folder should hold workflows to look for"
    result = run_in_image(runner_image, ["python", "-c", _INVENTORY, *examples], timeout=60)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found == {
        "project_files": [],
        "workflow_code": [],
        "dev_modules": [],
        "dev_commands": [],
        "axl_entries": ["workdir"],
    }


def test_runs_as_the_documented_user_with_writable_work_folders(
    podman: Podman, run_in_image, runner_image: str
) -> None:
    config = json.loads(
        podman("image", "inspect", "--format", "{{json .Config}}", runner_image).stdout
    )
    assert config["User"] == "1000:1000"
    assert config["WorkingDir"] == "/axl"
    assert config["Entrypoint"] == ["python", "-m", "axl.runtime"]
    script = (
        'id -u; id -g; pwd; touch /axl/workdir/x "$HOME/x" && echo writable; '
        "touch /opt/axl/venv/x 2>/dev/null || echo venv-read-only"
    )
    result = run_in_image(runner_image, ["sh", "-c", script])
    assert result.stdout.split() == ["1000", "1000", "/axl", "writable", "venv-read-only"]


def test_default_command_is_the_runner(podman: Podman, runner_image: str) -> None:
    result = podman("run", "--rm", "--network=none", runner_image)
    assert "usage: python -m axl.runtime" in result.stdout


def test_uv_is_installed(run_in_image, runner_image: str) -> None:
    assert _UV_VERSION is not None
    result = run_in_image(runner_image, ["uv", "--version"])
    assert result.stdout.split()[:2] == ["uv", _UV_VERSION.group(1)]


def test_runs_without_network(run_in_image, runner_image: str) -> None:
    result = run_in_image(runner_image, ["ls", "/sys/class/net"])
    assert result.stdout.split() == ["lo"]


def test_mounts_env_workdir_and_exit_code(run_in_image, runner_image: str, tmp_path: Path) -> None:
    inputs, outputs = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    outputs.mkdir()
    (inputs / "data.txt").write_text("42")
    script = (
        "import os, pathlib, sys\n"
        "pathlib.Path('/out/copy.txt').write_text(pathlib.Path('/in/data.txt').read_text())\n"
        "print(os.environ['AXL_GREETING'], os.getcwd())\n"
        "try:\n    pathlib.Path('/in/new.txt').write_text('x')\n"
        "except OSError as exc:\n    print('read-only', exc.errno)\n"
        "sys.exit(3)\n"
    )
    result = run_in_image(
        runner_image,
        ["python", "-c", script],
        mounts={inputs: "/in:ro", outputs: "/out"},
        env={"AXL_GREETING": "hello"},
        workdir="/axl/workdir",
    )
    assert result.returncode == 3, result.stderr
    assert result.stdout.splitlines() == ["hello /axl/workdir", "read-only 30"]
    assert (outputs / "copy.txt").read_text() == "42"
    assert not (inputs / "new.txt").exists()


def test_podman_failure_is_an_error_not_an_exit_code(run_in_image) -> None:
    with pytest.raises(PodmanError, match="podman run localhost/axl-no-such-image"):
        run_in_image("localhost/axl-no-such-image:none", ["true"], timeout=30)


def test_timeout_removes_the_container(podman: Podman, run_in_image, runner_image: str) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        run_in_image(runner_image, ["sleep", "30"], timeout=1)
    names = podman("ps", "--all", "--format", "{{.Names}}").stdout.split()
    assert not [n for n in names if n.startswith(f"axl-test-{os.getpid()}-")]


def test_step_runner_uses_the_runner_image(step_runner, runner_image: str, tmp_path: Path) -> None:
    assert (step_runner.in_container, step_runner.image) == (True, runner_image)
    result = step_runner.run(
        ["python", "-c", "import sys; open('/data/where', 'w').write(sys.executable)"],
        mounts={tmp_path: "/data"},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "where").read_text() == "/opt/axl/venv/bin/python"


def _write_wheel(folder: Path, name: str, version: str, source: str) -> None:
    """A minimal pure-Python wheel, written by hand so the test needs no build tool."""
    import base64
    import hashlib
    import zipfile

    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": source,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{dist}/RECORD"] = "\n".join([*record, f"{dist}/RECORD,,"]) + "\n"
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)


def test_uv_installs_offline_from_mounted_wheels(
    run_in_image, runner_image: str, tmp_path: Path
) -> None:
    _write_wheel(tmp_path, "axl_probe", "1.0", "VALUE = 42\n")
    script = (
        "uv pip install --quiet --target /home/axl/.cache/probe --python /opt/axl/venv/bin/python "
        "axl_probe && PYTHONPATH=/home/axl/.cache/probe python -c 'import axl_probe; print(axl_probe.VALUE)'"
    )
    result = run_in_image(
        runner_image,
        ["sh", "-c", script],
        mounts={tmp_path: "/wheels:ro"},
        env={"UV_OFFLINE": "1", "UV_FIND_LINKS": "/wheels"},
    )
    assert (result.returncode, result.stdout.strip()) == (0, "42"), result.stderr


_UNCOMPILED = """
import importlib.util, json, pathlib, axl, pydantic, yaml
missing = []
for package in (axl, pydantic, yaml):
    root = pathlib.Path(package.__file__).parent
    for path in sorted(root.rglob("*.py")):
        if not pathlib.Path(importlib.util.cache_from_source(str(path))).is_file():
            missing.append(str(path))
print(json.dumps(missing))
"""


def test_bytecode_is_compiled_in_the_image(run_in_image, runner_image: str) -> None:
    """The image runs with PYTHONDONTWRITEBYTECODE (UV_COMPILE_BYTECODE compiles at build
    time): without .pyc files every pod would compile axl and its dependencies from source
    before its step."""
    result = run_in_image(runner_image, ["python", "-c", _UNCOMPILED])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
