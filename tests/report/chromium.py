"""Headless Chromium for the report's browser test and its screenshot script.

Each call starts its own browser with a private profile folder, bounded by a
timeout, and waits for it to exit.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 180
"""Seconds a browser may take (cold starts on a loaded machine are slow)."""


def find_chromium() -> str | None:
    """The path of a Chromium (or Chrome) on PATH, if there is one."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        binary,
        "--headless",
        "--no-sandbox",  # root in a container has no user namespace sandbox
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        f"--user-data-dir={profile}",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"{binary} exited {done.returncode}: {done.stderr[-2000:]}")
    return done


def dump_dom(binary: str, page: Path, profile: Path) -> str:
    """The DOM of ``page`` as the browser has it after its scripts ran."""
    return _run(binary, profile, "--dump-dom", page.resolve().as_uri()).stdout


def screenshot(
    binary: str, page: Path, out: Path, profile: Path, size: tuple[int, int] = (1280, 900)
) -> None:
    """A PNG of the top of ``page`` in a window of ``size`` pixels."""
    _run(
        binary,
        profile,
        "--hide-scrollbars",
        f"--window-size={size[0]},{size[1]}",
        f"--screenshot={out}",
        page.resolve().as_uri(),
    )
    if not out.is_file():
        raise RuntimeError(f"{binary} wrote no screenshot {out}")


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    data = path.read_bytes()[:24]
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height
