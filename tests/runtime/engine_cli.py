"""Running ``axl run local`` on the engine's test workflows, in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODES = ("worker", "fork", "subprocess")


def target(name: str) -> str:
    return f"tests/runtime/engine_workflows.py:{name}"


def command(workflow: str, workspace: Path, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "axl", "run", "local", "-m", target(workflow),
        "--workspace", str(workspace), *args,
    ]  # fmt: skip


def run(
    workflow: str, workspace: Path, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a workflow to its end; a hang fails the test after ``timeout`` seconds."""
    return subprocess.run(
        command(workflow, workspace, *args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(workflow: str, workspace: Path, *args: str) -> subprocess.Popen[str]:
    """Start a run in a session of its own (its process group can be signalled whole)."""
    return subprocess.Popen(
        command(workflow, workspace, *args),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(check: Callable[[], bool], timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def files_containing(folder: Path, needle: bytes) -> list[Path]:
    found = []
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root, name)
            if needle in path.read_bytes():
                found.append(path)
    return found
