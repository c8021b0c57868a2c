"""What a workflow's image installs besides its code: the project's lock, or requirements.

``axl build-image`` takes the dependencies from one of two places, chosen by
the workflow's ``use_lockfile`` and ``requirements_file`` options:

- **the lock**: the project's ``pyproject.toml`` and ``uv.lock``, installed
  with ``uv sync --frozen --no-dev``. Used when ``use_lockfile=True`` (an
  error without them), or by default when the project has a ``uv.lock`` and
  the workflow names no requirements file. The lock must be up to date with
  ``pyproject.toml`` (``uv lock --check``), and every requirement of the
  workflow and its steps must be in it, so that a runner that checks the
  step's packages finds them in the image.
- **the requirements**: the workflow's ``requirements_file`` (relative to the
  project folder) and the ``requirements`` of the workflow and its steps,
  installed with ``uv pip install``. Only exact pins (``==``) give the same
  image twice; anything looser is a warning.

``axl-workflows`` itself is never installed from either: the base image (the
axl runner image) provides it, at the version that compiled the workflow.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from blake3 import blake3

from axl.dataclass_fast import dataclass
from axl.digests import format_digest
from axl.errors import InfrastructureError, MissingDependencyError, UsageError
from axl.ir import IRWorkflow

__all__ = [
    "AXL_DISTRIBUTION",
    "Dependencies",
    "DependencyError",
    "find_uv",
    "workflow_dependencies",
]

AXL_DISTRIBUTION = "axl-workflows"
PYPROJECT = "pyproject.toml"
UV_LOCK = "uv.lock"
REQUIREMENTS = "requirements.txt"
PACKAGES = "packages.txt"
_UV_TIMEOUT = 300.0
_STALE = "needs to be updated"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_PINNED = re.compile(
    r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*(===?\s*[^,\s]+|@\s*\S+)\s*$"
)

Source = Literal["uv.lock", "requirements", "none"]


class DependencyError(UsageError):
    """The workflow's dependencies cannot be baked as they are (no lock, a stale lock...)."""

    code = "dependencies"


@dataclass(frozen=True)
class Dependencies:
    """What the image installs, as the files of the build context's ``deps/`` folder."""

    source: Source
    files: tuple[tuple[str, bytes], ...]
    """``(name, content)`` of each file under ``deps/``, sorted by name."""
    warnings: tuple[str, ...] = ()

    @property
    def digest(self) -> str:
        """``blake3:<hex>`` of ``uv.lock``, or of the requirements files (name, size, bytes)."""
        if self.source == "uv.lock":
            return format_digest(blake3(dict(self.files)[UV_LOCK]).hexdigest())
        return self.files_digest

    @property
    def files_digest(self) -> str:
        """``blake3:<hex>`` of every file under ``deps/`` (name, size, bytes), in order."""
        hasher = blake3()
        for name, data in self.files:
            hasher.update(f"{name}\0{len(data)}\0".encode())
            hasher.update(data)
        return format_digest(hasher.hexdigest())


def workflow_dependencies(
    cls: type[Any], ir: IRWorkflow, root: Path, *, uv: Sequence[str] | None = None
) -> Dependencies:
    """The dependencies to bake for workflow ``cls`` (built as ``ir``) of the project ``root``.

    ``uv`` is the command that runs uv (default: :func:`find_uv`), needed to
    check a lock. Raises :class:`DependencyError` for a missing or stale
    lock, a requirement the lock lacks, or a missing requirements file.
    """
    use_lockfile: bool | None = getattr(cls, "use_lockfile", None)
    requirements_file: str | None = getattr(cls, "requirements_file", None)
    wanted = _requirements(ir)
    lock, pyproject = root / UV_LOCK, root / PYPROJECT
    if use_lockfile or (use_lockfile is None and requirements_file is None and lock.is_file()):
        for path in (pyproject, lock):
            if not path.is_file():
                raise DependencyError(
                    f"workflow {ir.name!r} has use_lockfile=True, but {root} has no {path.name}",
                    hint=f"run `uv lock` in {root} (and commit {UV_LOCK}), "
                    "or set use_lockfile=False to install only the requirements",
                    path=str(path),
                )
        check_lock_is_current(root, uv)
        locked = _locked_versions(lock)
        _check_locked(ir, wanted, locked, root)
        files = ((PYPROJECT, pyproject.read_bytes()), (UV_LOCK, lock.read_bytes()))
        return Dependencies("uv.lock", files)
    if use_lockfile is None and requirements_file is None:
        _refuse_unlocked_project(ir, pyproject, root)
    files_list: list[tuple[str, bytes]] = []
    warnings: list[str] = []
    if requirements_file is not None:
        path = root / requirements_file
        if not path.is_file():
            raise DependencyError(
                f"workflow {ir.name!r}: requirements_file {requirements_file!r} is not a file "
                f"under the project folder {root}",
                hint="give the path relative to the project folder (where pyproject.toml "
                "or .git is), or pass --workflow-path",
                path=str(path),
            )
        files_list.append((REQUIREMENTS, path.read_bytes()))
    inline = [text for text, _ in wanted]
    if inline:
        header = "# The requirements of the workflow and its steps (axl build-image).\n"
        files_list.append((PACKAGES, (header + "".join(f"{r}\n" for r in inline)).encode()))
        warnings += [
            f"requirement {text!r} ({where}) is not pinned with '==': the image may differ "
            "from build to build; pin it, or lock the project with uv"
            for text, where in wanted
            if not _is_pinned(text)
        ]
    source: Source = "requirements" if files_list else "none"
    return Dependencies(source, tuple(sorted(files_list)), tuple(warnings))


def _requirements(ir: IRWorkflow) -> list[tuple[str, str]]:
    """``(requirement, where it is declared)`` of the workflow and its steps, once each."""
    found: dict[str, str] = {}
    for text in ir.requirements:
        found.setdefault(text, f"workflow {ir.name!r}")
    for node in ir.nodes:
        for text in node.packages:
            found.setdefault(text, f"step {node.name!r}")
    return list(found.items())


def _is_pinned(text: str) -> bool:
    """``pkg==1.2`` (or a direct URL): one exact version, whatever the day of the build."""
    name = _PINNED.match(text.split(";", 1)[0])
    return name is not None


def _refuse_unlocked_project(ir: IRWorkflow, pyproject: Path, root: Path) -> None:
    """A project whose pyproject.toml declares dependencies needs its lock to be baked."""
    if not pyproject.is_file():
        return
    declared = _read_toml(pyproject).get("project", {}).get("dependencies", [])
    others = [d for d in declared if isinstance(d, str) and _canonical(d) != AXL_DISTRIBUTION]
    if others:
        raise DependencyError(
            f"{pyproject} declares dependencies ({', '.join(others[:3])}) but {root} has no "
            f"{UV_LOCK}, so workflow {ir.name!r}'s image would not have them",
            hint=f"run `uv lock` in {root}, or set use_lockfile=False to install only "
            "the workflow's requirements",
        )


def _canonical(requirement: str) -> str:
    """The normalised distribution name of a requirement (PEP 503): ``Foo_Bar`` -> ``foo-bar``."""
    match = _NAME.match(requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else requirement


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DependencyError(
            f"{path} is not valid TOML: {exc}", hint=f"fix {path.name}", path=str(path)
        ) from None


def _locked_versions(lock: Path) -> dict[str, set[str]]:
    """Package name (canonical) -> the versions ``uv.lock`` holds of it."""
    versions: dict[str, set[str]] = {}
    for package in _read_toml(lock).get("package", []):
        name, version = package.get("name"), package.get("version")
        if isinstance(name, str):
            versions.setdefault(_canonical(name), set()).add(str(version or ""))
    return versions


def _check_locked(
    ir: IRWorkflow, wanted: list[tuple[str, str]], locked: dict[str, set[str]], root: Path
) -> None:
    """Every requirement of the workflow and its steps has a locked version that fits it."""
    for text, where in wanted:
        name = _canonical(text)
        if name == AXL_DISTRIBUTION or not _applies_here(text):
            continue
        versions = locked.get(name, set())
        if any(_fits(text, version) for version in versions):
            continue
        shown = text.split(";", 1)[0].strip()
        held = f"holds {name} {', '.join(sorted(versions))}" if versions else f"has no {name}"
        raise DependencyError(
            f"{where} of workflow {ir.name!r} needs {shown!r}, but {root / UV_LOCK} {held}",
            hint=f"add it to {PYPROJECT} (`uv add '{shown}'`) and run `uv lock`",
            requirement=text,
        )


def _applies_here(text: str) -> bool:
    """False for a requirement whose environment marker excludes this Python and platform."""
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # without packaging, every requirement counts
        return True
    try:
        marker = Requirement(text).marker
    except InvalidRequirement:
        return True
    return marker is None or bool(marker.evaluate())


def _fits(text: str, version: str) -> bool:
    """Whether ``version`` (from the lock) satisfies requirement ``text``."""
    try:
        from packaging.requirements import InvalidRequirement, Requirement
        from packaging.version import InvalidVersion, Version
    except ImportError:  # without packaging, presence is all we can check
        return True
    try:
        return Requirement(text).specifier.contains(Version(version), prereleases=True)
    except (InvalidRequirement, InvalidVersion):
        return True  # not a version (a path or git source), or text the DSL let through


def find_uv() -> list[str] | None:
    """The command that runs uv here: ``uv`` on PATH, else ``python -m uv``; None without."""
    found = shutil.which("uv")
    if found:
        return [found]
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    return None


def check_lock_is_current(root: Path, uv: Sequence[str] | None = None) -> None:
    """``uv lock --check`` in ``root``: offline first, then with the network if that cannot tell.

    Raises :class:`DependencyError` naming ``uv lock`` when the lock is out
    of date with ``pyproject.toml`` (or uv cannot confirm that it is not),
    and :class:`~axl.errors.MissingDependencyError` when uv is not installed.
    """
    command = list(uv) if uv is not None else find_uv()
    if command is None:
        raise MissingDependencyError(
            f"uv is needed to check {root / UV_LOCK} against {PYPROJECT}, and it is not installed",
            hint="install uv (pip install uv), the tool that wrote the lock",
        )
    result = _uv_lock_check(command, root, offline=True)
    if result.returncode != 0 and _STALE not in result.stderr:
        result = _uv_lock_check(command, root, offline=False)
    if result.returncode == 0:
        return
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    reason = next((line for line in lines if line.startswith("error:")), lines[-1] if lines else "")
    if _STALE in result.stderr:
        message = f"{root / UV_LOCK} is out of date with {root / PYPROJECT}"
    else:
        message = (
            f"cannot check {root / UV_LOCK} against {PYPROJECT}: {reason.removeprefix('error: ')}"
        )
    raise DependencyError(
        message, hint=f"run `uv lock` in {root}, then build again", path=str(root / UV_LOCK)
    )


def _uv_lock_check(
    command: Sequence[str], root: Path, *, offline: bool
) -> subprocess.CompletedProcess[str]:
    args = [*command, "lock", "--check", "--project", str(root)]
    if offline:
        args.append("--offline")
    try:
        return subprocess.run(
            args, capture_output=True, text=True, timeout=_UV_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfrastructureError(
            f"cannot run {' '.join(args[:3])}: {exc}", hint="check the uv installation"
        ) from None
