"""A writer killed with SIGKILL in the middle of a write leaves no partial artifact behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from axl.errors import ArtifactError
from axl.io.artifacts import read_artifact, write_artifact
from tests.io.handlers import StallingHandler, StallingSaveHandler

ROOT = Path(__file__).resolve().parents[2]
SIZE = 8 * 1024 * 1024

WRITER = """
import sys
from axl.io.artifacts import write_artifact
from tests.io import handlers
write_artifact(b"n" * int(sys.argv[3]), sys.argv[1], getattr(handlers, sys.argv[2])(), step="big")
"""


def kill_mid_write(path: Path, handler: str, ready: Path) -> None:
    """Start a writer, wait until it has written half of the data, and SIGKILL it."""
    env = {**os.environ, "AXL_TEST_READY": str(ready), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), handler, str(SIZE)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            if proc.poll() is not None:
                pytest.fail(f"writer exited early: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
            if time.monotonic() > deadline:
                pytest.fail("writer never reached the middle of its write")
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        proc.stderr.close()  # type: ignore[union-attr]


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("handler", ["StallingHandler", "StallingSaveHandler"])
def test_killed_first_write_leaves_nothing_at_the_final_path(tmp_path: Path, handler: str):
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "output.bin"
    kill_mid_write(path, handler, tmp_path / "ready")
    assert not path.exists()
    assert not (folder / "output.meta.json").exists()
    (partial,) = temp_files(folder)  # the half-written data never got the final name
    assert partial.name.startswith(".output.bin.")
    assert 0 < partial.stat().st_size < SIZE
    with pytest.raises(ArtifactError, match="does not exist"):
        read_artifact(path)


@pytest.mark.parametrize(
    ("handler", "cls"),
    [("StallingHandler", StallingHandler), ("StallingSaveHandler", StallingSaveHandler)],
)
def test_killed_rewrite_keeps_the_previous_artifact(tmp_path: Path, handler: str, cls):
    path = tmp_path / "output.bin"
    old = b"o" * 1000
    meta = write_artifact(old, path, cls(), step="big")
    side = (tmp_path / "output.meta.json").read_bytes()
    kill_mid_write(path, handler, tmp_path / "ready")
    assert (tmp_path / "output.meta.json").read_bytes() == side
    assert read_artifact(path, cls()) == old
    assert meta.size == 1000
