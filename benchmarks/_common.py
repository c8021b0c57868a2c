"""Small helpers shared by the benchmark scripts (timing, table printing)."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def median_of(fn: Callable[[], Any], repeat: int = 5) -> float:
    """The median of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table, columns right-aligned after the first."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    lines = []
    for row in [headers, *rows]:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(c).rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def spread(seconds: list[float]) -> str:
    """``min / median / max`` of some timings in seconds, at a precision that suits them."""
    low, mid, high = min(seconds), statistics.median(seconds), max(seconds)
    digits = 3 if high < 1 else 2
    return f"{low:.{digits}f} / {mid:.{digits}f} / {high:.{digits}f}"


def interleaved(
    runners: dict[str, Callable[[], T]], repeats: int
) -> tuple[dict[str, T], dict[str, list[T]]]:
    """One untimed warm run of each side, then ``repeats`` rounds running each side in turn.

    Returns the warm run's result and the timed runs' results of each side,
    so that a drift in the machine's speed falls on every side alike.
    """
    warm = {side: fn() for side, fn in runners.items()}
    timed: dict[str, list[T]] = {side: [] for side in runners}
    for _ in range(repeats):
        for side, fn in runners.items():
            timed[side].append(fn())
    return warm, timed


def chain_source(n: int, *, decorator: str = "@step", name: str = "Bench") -> str:
    """A workflow module: class ``name``, a chain of ``n`` trivial steps ``s0 .. s{n-1}``."""
    lines = ["from axl import Workflow, step", "", "", f"class {name}(Workflow):"]
    lines += [f"    {decorator}", "    def s0(self) -> int:", "        return 0", ""]
    for i in range(1, n):
        lines += [f"    {decorator}", f"    def s{i}(self, s{i - 1}: int) -> int:"]
        lines += [f"        return s{i - 1} + 1", ""]
    return "\n".join(lines) + "\n"


def timed_process(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> Callable[[], float]:
    """A side that runs ``command`` as a process (in ``env``, default this one's) and
    returns its wall seconds."""

    def run() -> float:
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True, env=env)
        return time.perf_counter() - start

    return run


def filesystem(folder: Path) -> str:
    """``ext4 on /`` for the mount ``folder`` is on, from /proc/mounts (the longest match)."""
    real = str(folder.resolve())
    best = ("", "unknown")
    try:
        lines = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "unknown (no /proc/mounts)"
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount, kind = fields[1], fields[2]
        inside = real == mount or real.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best[0]):
            best = (mount, kind)
    return f"{best[1]} on {best[0] or '?'}"
