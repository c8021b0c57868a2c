"""A step's ``packages``: check they are installed, or install what is missing with uv."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from axl.errors import InfrastructureError
from axl.manifest import Packages

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def requirement_name(requirement: str) -> str:
    """``"scikit-learn>=1.4; python_version>'3'"`` -> ``"scikit-learn"``."""
    match = _NAME.match(requirement)
    if not match:
        raise InfrastructureError(f"cannot read the package name in requirement {requirement!r}")
    return match.group(1)


def missing_requirements(requirements: tuple[str, ...]) -> list[str]:
    """Requirements whose distribution is not installed (or whose version does not fit)."""
    missing = []
    for requirement in requirements:
        name = requirement_name(requirement)
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(requirement)
            continue
        if not _version_fits(requirement, version):
            missing.append(requirement)
    return missing


def _version_fits(requirement: str, version: str) -> bool:
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # without packaging, presence is all we can check
        return True
    try:
        req = Requirement(requirement)
    except InvalidRequirement:
        return True
    if req.marker is not None and not req.marker.evaluate():
        return True
    return req.specifier.contains(version, prereleases=True)


def ensure_packages(packages: Packages, *, step: str) -> None:
    """Apply the manifest's package policy before the step is imported and run."""
    missing = missing_requirements(packages.requirements)
    if not missing:
        return
    if packages.policy == "check":
        raise InfrastructureError(
            f"step {step!r} needs {', '.join(missing)}, which this environment lacks",
            hint="install them in the image (or locally), or run with packages policy 'install'",
            step=step,
        )
    _install(missing, step)


def _install(requirements: list[str], step: str) -> None:
    key = hashlib.sha256("\n".join(sorted(requirements)).encode()).hexdigest()[:16]
    base = Path(os.environ.get("AXL_PACKAGES_DIR", Path.home() / ".cache" / "axl" / "packages"))
    target = base / key
    if not (target / ".complete").exists():
        uv = shutil.which("uv")
        command = [uv] if uv else [sys.executable, "-m", "uv"]
        command += [
            "pip",
            "install",
            "--quiet",
            "--target",
            str(target),
            "--python",
            sys.executable,
        ]
        result = subprocess.run(
            [*command, *requirements], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise InfrastructureError(
                f"step {step!r}: installing {', '.join(requirements)} failed: "
                f"{detail[-1] if detail else 'uv exited ' + str(result.returncode)}",
                hint="check the requirement names, and that the index is reachable from here",
                step=step,
            )
        (target / ".complete").write_text("ok")
    if str(target) not in sys.path:
        sys.path.insert(0, str(target))
