"""Helpers of the image tests: copies of the baked example project, and the axl CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "examples" / "baked_project"
TARGET = "inventory/flow.py:Inventory"
PINNED_BASE = "localhost/axl-runner@sha256:" + "0" * 64
"""A base given by digest: pinned already, so writing a context needs no engine."""
needs_uv = pytest.mark.skipif(
    shutil.which("uv") is None, reason="uv is not installed (it checks uv.lock)"
)


def copy_project(dest: Path, *, umask: int = 0o022, mtime: int | None = None) -> Path:
    """Write the example project's committed files under ``dest`` with ``umask`` in force and
    every file's mtime set to ``mtime`` (default: now): as a fresh checkout would."""
    previous = os.umask(umask)
    try:
        for path in sorted(PROJECT.rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            target = dest / path.relative_to(PROJECT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
            if mtime is not None:
                os.utime(target, (mtime, mtime))
    finally:
        os.umask(previous)
    return dest


def axl(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m axl ARGS`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "axl", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON object a ``--json`` command printed (after checking that it succeeded)."""
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """stderr as lines: an anticipated error is ``error: ...`` and at most a hint."""
    return result.stderr.strip().splitlines()
