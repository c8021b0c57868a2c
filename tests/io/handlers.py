"""IO handlers the tests register: plain, streaming, and ones that stop half-way."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, BinaryIO


class TextHandler:
    """A minimal handler: ``str`` values as UTF-8 ``.txt`` (no optional methods)."""

    name = "text"
    ext = ".txt"

    def save(self, obj: Any, path: Path) -> None:
        if not isinstance(obj, str):
            raise TypeError(f"expected str, got {type(obj).__name__}")
        path.write_text(obj, encoding="utf-8")

    def load(self, path: Path) -> Any:
        return path.read_text(encoding="utf-8")

    def metadata(self, obj: Any) -> dict[str, Any]:
        return {"chars": len(obj)}


class StallingHandler:
    """Bytes as ``.bin``; with ``AXL_TEST_READY`` set, writes half, signals, then sleeps.

    Used to kill a writer in the middle of a write at a known point.
    """

    name = "stalling"
    ext = ".bin"

    def dump(self, obj: bytes, file: BinaryIO) -> None:
        half = len(obj) // 2
        file.write(obj[:half])
        _stall()
        file.write(obj[half:])

    def save(self, obj: bytes, path: Path) -> None:
        with open(path, "wb") as file:
            self.dump(obj, file)

    def load(self, path: Path) -> Any:
        return path.read_bytes()

    def loads(self, data: bytes) -> Any:
        return data

    def metadata(self, obj: Any) -> dict[str, Any]:
        return {}


class StallingSaveHandler:
    """Like :class:`StallingHandler`, through ``save(obj, path)`` only."""

    name = "stalling-save"
    ext = ".bin"

    def save(self, obj: bytes, path: Path) -> None:
        with open(path, "wb") as file:
            half = len(obj) // 2
            file.write(obj[:half])
            file.flush()
            _stall()
            file.write(obj[half:])

    def load(self, path: Path) -> Any:
        return path.read_bytes()

    def metadata(self, obj: Any) -> dict[str, Any]:
        return {}


def _stall() -> None:
    ready = os.environ.get("AXL_TEST_READY")
    if ready:
        Path(ready).write_text("half written")
        time.sleep(60)
