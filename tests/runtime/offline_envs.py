"""Offline packages for env tests: wheels written by hand, uv pointed at them and nowhere else;
and the runner run on the steps of :class:`tests.runtime.env_workflows.NeedsProbe`.

The fixture :func:`offline_uv` (import it into a test module or a conftest)
gives a test its own env cache, its own uv cache and a folder of wheels that
uv installs from with ``UV_OFFLINE=1 UV_FIND_LINKS=DIR``: no network, no
build tool.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from axl.manifest import EnvStore, Manifest, ManifestInput, ManifestOutput, Packages

ROOT = Path(__file__).resolve().parents[2]
PROBE = "axl_env_probe"
"""A package of the tests' wheels (``VALUE = 42``), which needs :data:`PROBE_DEP`."""
PROBE_DEP = "axl_env_probe_dep"
PROBE_REQ = f"{PROBE}==1.0"
OTHER = "axl_env_other"
"""Another package, needing nothing."""
REAL_UV = shutil.which("uv")


def write_wheel(
    folder: Path, name: str, version: str, source: str, requires: Sequence[str] = ()
) -> Path:
    """A pure-Python wheel of one module ``name`` with ``source``, requiring ``requires``."""
    dist = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    wheel_info = (
        "Wheel-Version: 1.0\nGenerator: axl-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files = {
        f"{name}/__init__.py": source,
        f"{dist}/METADATA": metadata,
        f"{dist}/WHEEL": wheel_info,
    }
    lines = []
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{path},sha256={digest},{len(data)}")
    files[f"{dist}/RECORD"] = "\n".join([*lines, f"{dist}/RECORD,,"]) + "\n"
    out = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w") as archive:
        for path, text in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), text)
    return out


@dataclass(frozen=True)
class OfflineUv:
    """A test's env cache and the wheels uv may install."""

    envs: Path
    wheels: Path
    bin: Path
    """Prepended to PATH: a fake ``uv`` written here replaces the real one."""

    def fake_uv(self, script: str) -> None:
        """Make ``uv`` a shell script (``$REAL_UV`` is the real one)."""
        path = self.bin / "uv"
        path.write_text(f"#!/bin/sh\nREAL_UV={REAL_UV}\n{script}\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)

    def entries(self) -> list[str]:
        """The names in the env cache's folder (envs and temporary folders)."""
        return sorted(os.listdir(self.envs)) if self.envs.exists() else []


def offline_env(tmp_path: Path) -> tuple[OfflineUv, dict[str, str]]:
    """The folders of an offline uv under ``tmp_path`` and the environment that selects them."""
    uv = OfflineUv(envs=tmp_path / "envs", wheels=tmp_path / "wheels", bin=tmp_path / "bin")
    uv.wheels.mkdir()
    uv.bin.mkdir()
    write_wheel(
        uv.wheels,
        PROBE,
        "1.0",
        "from axl_env_probe_dep import BASE\nVALUE = BASE + 40\n",
        [PROBE_DEP],
    )
    write_wheel(uv.wheels, PROBE_DEP, "1.0", "BASE = 2\n")
    write_wheel(uv.wheels, OTHER, "2.0", "NAME = 'other'\n")
    env = {
        "AXL_PACKAGES_DIR": str(uv.envs),
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "UV_OFFLINE": "1",
        "UV_FIND_LINKS": str(uv.wheels),
        "UV_NO_CONFIG": "1",
        "PATH": f"{uv.bin}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return uv, env


@pytest.fixture
def offline_uv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> OfflineUv:
    """An env cache of this test's own, and uv installing offline from the tests' wheels."""
    uv, env = offline_env(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return uv


def step_manifest(
    tmp_path: Path,
    step: str,
    policy: str,
    store: EnvStore | None = None,
    requirements: tuple[str, ...] | None = None,
) -> Manifest:
    """The manifest of step ``probe`` or ``other`` of ``NeedsProbe`` (its own requirements
    unless ``requirements`` are given), its output under ``tmp_path``."""
    own = (PROBE_REQ,) if step == "probe" else (PROBE_REQ, OTHER)
    inputs = () if step == "probe" else (ManifestInput(name="probe", source="value", value=42),)
    return Manifest(
        workflow="tests.runtime.env_workflows:NeedsProbe",
        step=step,
        python_path=(str(ROOT),),
        inputs=inputs,
        outputs=(
            ManifestOutput(path=str(tmp_path / "out" / step / "output.pkl"), handler="pickle"),
        ),
        packages=Packages(requirements=requirements or own, policy=policy, store=store),
    )


def runner(command: str, manifest_json: str) -> subprocess.CompletedProcess[str]:
    """``python -m axl.runtime COMMAND --manifest-json TEXT`` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "axl.runtime", command, "--manifest-json", manifest_json],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def events(stderr: str) -> list[dict]:
    """The runner's JSON log lines."""
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def env_ready(stderr: str) -> list[dict]:
    """The runner's ``env_ready`` events."""
    return [event for event in events(stderr) if event["status"] == "env_ready"]
