"""The env cache on this machine: one folder of installed packages per key, whole or absent.

Layout (the root is ``$AXL_PACKAGES_DIR``, default ``~/.cache/axl/packages``)::

    <root>/<key>/                    an env: what ``uv pip install --target`` wrote,
    <root>/<key>/.axl-env.json       and its marker (key, requirements, Python tag)
    <root>/.<key>.<what>-<random>/   an install or a fetch under way (never used)

An env is made in a temporary folder beside its final place and renamed
into place when it is whole, so a killed or failed install never leaves a
folder under the key. When two processes (steps, pods on one volume) make
the same env at once, the first rename wins; the other sees the key taken,
discards its copy and uses the winner's. A folder under a key is used only
when its marker names that key. Standard library only.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from axl.runtime.packages import PackagesError, canonical_requirements, python_tag

ENV_MARKER = ".axl-env.json"
STALE_SECONDS = 24 * 3600
"""A temporary folder this old is left from a killed process, and removed."""
_TAKEN = frozenset({errno.EEXIST, errno.ENOTEMPTY})


def cache_root() -> Path:
    """The env cache's folder: ``$AXL_PACKAGES_DIR``, else ``~/.cache/axl/packages``."""
    given = os.environ.get("AXL_PACKAGES_DIR")
    return Path(given) if given else Path.home() / ".cache" / "axl" / "packages"


def base_path(root: Path | None = None) -> list[str]:
    """``sys.path`` without the envs of the cache: what this environment has of its own.

    An env that an earlier step of this process put on ``sys.path`` does not
    count, so a step's missing requirements (and so its env's key) are the
    same in a long-lived worker as in a fresh pod and in the warm step.
    """
    inside = str((root or cache_root()).absolute()) + os.sep
    return [entry for entry in sys.path if not os.path.abspath(entry or ".").startswith(inside)]


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of the env in ``folder``, or None when there is no readable one."""
    try:
        data = json.loads((folder / ENV_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_marker(folder: Path, key: str, requirements: Sequence[str]) -> None:
    """Name the env in ``folder``: its key, its requirement set and this Python's tag."""
    marker = {
        "key": key,
        "python": python_tag(),
        "requirements": list(canonical_requirements(requirements)),
    }
    (folder / ENV_MARKER).write_text(json.dumps(marker, sort_keys=True) + "\n", encoding="utf-8")


def find_env(key: str, root: Path | None = None) -> Path | None:
    """The complete env of ``key`` in the cache, or None."""
    folder = (root or cache_root()) / key
    marker = read_marker(folder)
    return folder if marker is not None and marker.get("key") == key else None


def staging_folder(key: str, what: str, root: Path | None = None) -> Path:
    """A new temporary folder beside the env of ``key``, for an ``install`` or a ``fetch``."""
    root = root or cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale(root, key)
        return Path(tempfile.mkdtemp(prefix=f".{key}.{what}-", dir=root))
    except OSError as exc:
        raise PackagesError(
            f"cannot write to the env cache {root}: {exc.strerror or exc}",
            hint="make it writable, or point AXL_PACKAGES_DIR at a writable folder",
        ) from None


def _remove_stale(root: Path, key: str) -> None:
    cutoff = time.time() - STALE_SECONDS
    for leftover in root.glob(f".{key}.*"):
        try:
            if leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            continue


def publish(staged: Path, key: str, root: Path | None = None) -> Path:
    """Rename the whole env ``staged`` into place as ``key``; the env now under the key.

    When another process published the key first, ``staged`` is discarded
    and the winner's env returned. A folder under the key without its marker
    (not an env) is replaced.
    """
    root = root or cache_root()
    final = root / key
    for _ in range(3):
        try:
            os.rename(staged, final)
            return final
        except OSError as exc:
            if exc.errno not in _TAKEN:
                raise
        if find_env(key, root) is not None:
            shutil.rmtree(staged, ignore_errors=True)
            return final
        retired = root / f".{key}.old-{secrets.token_hex(4)}"
        try:
            os.rename(final, retired)
        except FileNotFoundError:  # another process retired it first
            continue
        shutil.rmtree(retired, ignore_errors=True)
    raise PackagesError(f"cannot put the env {key} in place in {root}: it keeps changing")


def uv_command() -> list[str]:
    """``uv``, from ``PATH`` or as this Python's module."""
    uv = shutil.which("uv")
    return [uv] if uv else [sys.executable, "-m", "uv"]


def install_env(key: str, requirements: Sequence[str], *, step: str | None = None) -> Path:
    """Install ``requirements`` with uv as the env ``key``; its folder in the cache.

    Nothing is left under the key when uv fails or the process is killed.
    """
    root = cache_root()
    staged = staging_folder(key, "install", root)
    try:
        _uv_install(staged, requirements, step)
        write_marker(staged, key, requirements)
        return publish(staged, key, root)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _uv_install(target: Path, requirements: Sequence[str], step: str | None) -> None:
    command = [
        *uv_command(),
        "pip",
        "install",
        "--quiet",
        "--target",
        str(target),
        "--python",
        sys.executable,
        *requirements,
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise PackagesError(
            f"cannot run uv to install {', '.join(requirements)}: {exc.strerror or exc}",
            hint="install uv in the image (or put it on PATH)",
            step=step,
        ) from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        who = f"step {step!r}: " if step else ""
        raise PackagesError(
            f"{who}installing {', '.join(requirements)} failed: "
            f"{detail[-1] if detail else 'uv exited ' + str(result.returncode)}",
            hint="check the requirement names, and that the index is reachable from here",
            step=step,
        )
