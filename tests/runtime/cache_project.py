"""A small project in a temporary folder for the step cache tests, run by the real CLI.

``flow.py`` has an uncached ``source`` reading a data file outside the
project, cached ``scaled`` (reads ``source`` and the helper module) and cached
``fixed`` (reads nothing but a param). Every call of a step appends its name
to ``calls.txt`` (outside the project too), so a test sees which steps ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FLOW = """
import os
from pathlib import Path
from axl import Workflow, Param, Secret, step
from helpers import factor

CALLS = Path(os.environ["CACHE_TEST_CALLS"])


def called(name):
    with open(CALLS, "a") as f:
        f.write(name + "\\n")


class Flow(Workflow):
    env = {"MODE": "plain", "TOKEN": Secret("api-token", "value")}
    n = Param(default=1)

    @step
    def source(self) -> int:
        called("source")
        return int(Path(os.environ["CACHE_TEST_DATA"]).read_text())

    @step(cache=True)
    def scaled(self, source: int) -> int:
        called("scaled")
        return source * factor()

    @step(cache=True)
    def fixed(self) -> str:
        called("fixed")
        return "fixed-" + os.environ["MODE"]
"""

HELPERS = "def factor():\n    return 2\n"
SECRET_VALUE = "s3cr3t-value-never-stored"


@dataclass
class Project:
    """The project, its workspace, and the files outside it."""

    root: Path
    outside: Path

    @property
    def workspace(self) -> Path:
        return self.root / ".axl"

    @property
    def calls(self) -> Path:
        return self.outside / "calls.txt"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONDONTWRITEBYTECODE": "1",
            "CACHE_TEST_CALLS": str(self.calls),
            "CACHE_TEST_DATA": str(self.outside / "data.txt"),
            "TOKEN": SECRET_VALUE,
        }

    def run(self, *extra: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        """``axl run local --json``; the summary, and the steps called (read and reset)."""
        self.calls.write_text("")
        done = subprocess.run(
            [sys.executable, "-m", "axl", "run", "local", "-m", "flow.py:Flow", "--json",
             "--workspace", str(self.workspace), *extra],
            cwd=self.root, env={**self.env(), **(env or {})}, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        summary: dict[str, Any] = json.loads(done.stdout)
        summary["called"] = sorted(self.calls.read_text().split())
        summary["stderr"] = done.stderr
        return summary

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "axl", *args], cwd=self.root, env=self.env(),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip


def make_project(tmp_path: Path) -> Project:
    root, outside = tmp_path / "proj", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "0"\n')
    (root / "uv.lock").write_text("version = 1\n")
    (root / "flow.py").write_text(FLOW)
    (root / "helpers.py").write_text(HELPERS)
    (outside / "data.txt").write_text("10")
    return Project(root=root, outside=outside)


def statuses(summary: dict[str, Any]) -> dict[str, str]:
    return {name: step["status"] for name, step in summary["steps"].items()}
