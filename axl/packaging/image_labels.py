"""The labels of a workflow's image: OCI annotations and axl's own.

``org.opencontainers.image.*``: ``created`` (fixed: builds are timestamped 0),
``title`` (the workflow), ``description``, ``version``, ``source`` and
``licenses`` (from ``pyproject.toml``'s ``[project]``; the version falls back
to the workflow's short hash), ``revision`` (the git commit, empty outside a
work tree), ``base.name`` and ``base.digest`` (empty for a base given by tag
only). ``axl.dev/*``: ``version``, ``workflow``, ``workflow-ref``, ``hash``,
``code-digest``, ``dependencies`` and ``lock-digest``. Every label is set,
empty when unknown, so that none is inherited from the base image (the
runner's own ``revision`` and ``title``).
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from axl._version import __version__
from axl.ir import IRWorkflow
from axl.packaging.containerfile import CREATED
from axl.packaging.dependencies import Dependencies

__all__ = ["image_labels"]

_OCI = "org.opencontainers.image"


def image_labels(
    ir: IRWorkflow,
    root: Path,
    base: str,
    pinned_base: str,
    code_digest: str,
    dependencies: Dependencies,
) -> dict[str, str]:
    """The labels of the image of ``ir`` (project ``root``) on ``base`` (``pinned_base``)."""
    project = _project(root)
    return {
        f"{_OCI}.created": CREATED,
        f"{_OCI}.title": ir.name,
        f"{_OCI}.description": str(project.get("description") or f"axl workflow {ir.name}"),
        f"{_OCI}.version": str(project.get("version") or ir.short_hash()),
        f"{_OCI}.revision": _git_revision(root),
        f"{_OCI}.source": _source_url(project),
        f"{_OCI}.licenses": _license(project),
        f"{_OCI}.base.name": base,
        f"{_OCI}.base.digest": _base_digest(pinned_base),
        "axl.dev/version": __version__,
        "axl.dev/workflow": ir.name,
        "axl.dev/workflow-ref": ir.ref,
        "axl.dev/hash": ir.compute_hash(),
        "axl.dev/code-digest": code_digest,
        "axl.dev/dependencies": dependencies.source,
        "axl.dev/lock-digest": dependencies.digest,
    }


def _base_digest(pinned_base: str) -> str:
    """The digest or image ID that pins the base; empty for a base given by tag only."""
    if "@" in pinned_base:
        return pinned_base.rpartition("@")[2]
    return pinned_base if pinned_base.startswith("sha256:") else ""


def _project(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return {}
    return project if isinstance(project, dict) else {}


def _source_url(project: Mapping[str, Any]) -> str:
    urls = project.get("urls") or {}
    by_name = {str(k).lower(): str(v) for k, v in urls.items()} if isinstance(urls, dict) else {}
    return next((by_name[k] for k in ("source", "repository", "homepage") if k in by_name), "")


def _license(project: Mapping[str, Any]) -> str:
    value = project.get("license")
    if isinstance(value, dict):
        value = value.get("text")
    return value if isinstance(value, str) else ""


def _git_revision(root: Path) -> str:
    """The commit of the git work tree ``root`` is in, or ``""`` outside one."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    revision = result.stdout.strip()
    return revision if result.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", revision) else ""
