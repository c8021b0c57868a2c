"""``axl-pulumi`` installs into a fresh environment and imports there without network or CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.pulumi.conftest import REPO

IMPORT_CHECK = """
import json, os, sys, time
SDKS = ("pulumi_aws", "pulumi_kubernetes", "pulumi_docker_build")
start = time.perf_counter()
import axl_pulumi
light = sorted(m for m in sys.modules if m.split(".")[0] in ("pulumi", *SDKS))
from axl_pulumi import AxlWorkflow, CodeArchive, ArgoWorkflowTemplate, WorkflowImage
import axl
providers = sorted({m.split(".")[0] for m in sys.modules} & {*SDKS, "boto3"})
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "after_package_import": light,
    "providers_imported": providers,
    "axl_pulumi": axl_pulumi.__file__,
    "axl": axl.__file__,
    "version": axl_pulumi.__version__,
    "classes": [c.__name__ for c in (AxlWorkflow, CodeArchive, ArgoWorkflowTemplate, WorkflowImage)],
    "files_here": os.listdir("."),
}))
"""

CLASSES = ["AxlWorkflow", "CodeArchive", "ArgoWorkflowTemplate", "WorkflowImage"]


def _uv() -> list[str]:
    """The uv command: on PATH, or as a module of the Python that runs make (python3)."""
    found = shutil.which("uv")
    if found is not None:
        return [found]
    for python in (shutil.which("python3"), sys.executable):
        if python is not None:
            probe = subprocess.run([python, "-m", "uv", "--version"], capture_output=True)
            if probe.returncode == 0:
                return [python, "-m", "uv"]
    pytest.skip("uv is not installed")


def _no_network_prefix() -> list[str]:
    """``unshare -n`` (an empty network namespace) where the machine allows it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=30)
    return [unshare, "-n"] if probe.returncode == 0 else []


def test_the_package_imports_nothing_heavy_and_writes_nothing(tmp_path: Path) -> None:
    # In this environment: `import axl_pulumi` loads no Pulumi module, the classes load
    # the Pulumi SDK but neither provider SDK (those load when a component is created).
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)

    assert found["after_package_import"] == []
    assert found["providers_imported"] == []
    assert found["files_here"] == []
    assert found["classes"] == CLASSES


def test_unknown_names_are_attribute_errors() -> None:
    import axl_pulumi

    with pytest.raises(AttributeError, match="module 'axl_pulumi' has no attribute 'Nope'"):
        _ = axl_pulumi.Nope  # type: ignore[attr-defined]
    assert "AxlWorkflow" in dir(axl_pulumi)


def test_a_fresh_environment_installs_axl_pulumi_offline_and_imports_it(tmp_path: Path) -> None:
    # What `pip install ./providers` gives, from the lock and the local package cache only:
    # axl-pulumi and what it depends on (axl itself included), built as wheels, no editable
    # links back to this checkout.
    venv = tmp_path / "venv"
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_OFFLINE": "1",
    }
    start = time.perf_counter()
    sync = subprocess.run(
        [
            *_uv(),
            "sync",
            "--frozen",
            "--offline",
            "--no-dev",
            "--package",
            "axl-pulumi",
            "--no-editable",
            "--python",
            sys.executable,
            "--quiet",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    installed = time.perf_counter() - start
    assert sync.returncode == 0, sync.stderr

    python = venv / "bin" / "python"
    here = tmp_path / "elsewhere"
    here.mkdir()
    done = subprocess.run(
        [*_no_network_prefix(), str(python), "-I", "-c", IMPORT_CHECK],
        cwd=here,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": str(venv / "bin"), "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)

    site = str(venv / "lib")
    assert found["axl_pulumi"].startswith(site) and found["axl"].startswith(site)
    assert found["after_package_import"] == []
    assert found["classes"] == CLASSES
    assert found["files_here"] == []
    assert shutil.which("pulumi", path=str(venv / "bin")) is None
    # Measured here: ~1-3 s to install from the cache, well under a second to import.
    assert installed < 120
    print(f"install {installed:.1f} s, import {found['seconds']:.2f} s")
