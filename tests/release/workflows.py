"""Reading the GitHub workflow files and the package's claims, for the release tests."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
CHECK_SCRIPT = REPO / "scripts" / "check-release-version.py"

# A `uses:` pinned to a full commit, with the version it is as a trailing comment.
PINNED_USES = re.compile(
    r"^\s*(?:-\s*)?uses:\s*(?P<ref>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40})\s+#\s*v\d"
)


def load(name: str) -> dict[str, Any]:
    """The workflow `name`.yml as data; YAML 1.1 reads the key `on` as True, so it is renamed."""
    document = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8"))
    if True in document:
        document["on"] = document.pop(True)
    return dict(document)


def uses_lines(name: str) -> list[str]:
    """Every `uses:` line of the workflow file, as written."""
    text = (WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if re.match(r"^\s*(-\s*)?uses:", line)]


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    """The job's steps that run `action` (owner/name), whatever it is pinned to."""
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).startswith(f"{action}@")]


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def claimed_python_versions() -> list[str]:
    """The `Programming Language :: Python :: 3.X` classifiers: the versions the package claims."""
    prefix = "Programming Language :: Python :: "
    return [
        c.removeprefix(prefix)
        for c in pyproject()["project"]["classifiers"]
        if re.fullmatch(re.escape(prefix) + r"3\.\d+", c)
    ]
