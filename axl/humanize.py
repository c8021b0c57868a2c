"""Sizes, durations and times as people read them, alike in the terminal and the report."""

from __future__ import annotations

import time


def format_bytes(n: int) -> str:
    """A size for people: ``512 B``, ``1.5 KB``, ``2.0 GB`` (powers of 1000)."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def format_duration(ms: float | None) -> str:
    """``850 ms``, ``12.5 s``, ``3m05s``; ``-`` for no duration."""
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    return f"{int(ms // 60_000)}m{int(ms % 60_000 / 1000):02d}s"


def format_utc(epoch: float | None) -> str:
    """``2026-12-01 17:21:23 UTC``; ``-`` for no time."""
    if epoch is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


def format_local(epoch: float | None) -> str:
    """``2026-12-01 18:21:23`` in this machine's time zone; ``-`` for no time."""
    if epoch is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def short_type(python_type: str) -> str:
    """``builtins.dict`` as ``dict``; other types keep their module."""
    return python_type.removeprefix("builtins.")


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
