"""Canonical JSON: a value that comes back exactly as it was written.

The file is UTF-8 with sorted keys, no insignificant whitespace and no
trailing newline, so one value always gives the same bytes.

Only values JSON represents without loss are accepted: ``dict`` with ``str``
keys, ``list``, ``str``, ``int``, finite ``float``, ``bool`` and ``None``
(exact types, not subclasses). Everything else is refused at write time
instead of changing silently on the way back:

* NaN and infinities (not JSON; Python's ``json`` would write ``NaN``),
* tuples (they would come back as lists),
* non-string keys (``{1: "a"}`` would come back as ``{"1": "a"}``),
* sets, bytes, dates, enums, numpy scalars and other objects.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, BinaryIO

_SCALARS = (str, int, bool, type(None))


def encode(obj: Any) -> bytes:
    """The canonical JSON bytes of ``obj``; raises ``TypeError`` for anything lossy."""
    _check(obj, "value")
    text = json.dumps(
        obj, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )
    return text.encode("utf-8")


def _check(obj: Any, where: str) -> None:
    kind = type(obj)
    if kind in _SCALARS:
        return
    if kind is float:
        if not math.isfinite(obj):
            raise TypeError(f"{where} is {obj!r}, which JSON cannot represent")
        return
    if kind is list:
        for index, item in enumerate(obj):
            _check(item, f"{where}[{index}]")
        return
    if kind is dict:
        for key, item in obj.items():
            if type(key) is not str:
                raise TypeError(
                    f"{where} has the key {key!r} of type {type(key).__name__}; "
                    "JSON keys are strings"
                )
            _check(item, f"{where}[{key!r}]")
        return
    raise TypeError(f"{where} is a {kind.__module__}.{kind.__qualname__}, which JSON cannot hold")


class JsonHandler:
    """JSON-compatible values, stored as canonical ``.json``."""

    name = "json"
    ext = ".json"

    def save(self, obj: Any, path: Path) -> None:
        path.write_bytes(encode(obj))

    def dump(self, obj: Any, file: BinaryIO) -> None:
        file.write(encode(obj))

    def load(self, path: Path) -> Any:
        return json.loads(path.read_bytes())

    def loads(self, data: bytes) -> Any:
        return json.loads(data)

    def load_file(self, file: BinaryIO) -> Any:
        return json.loads(file.read())

    def metadata(self, obj: Any) -> dict[str, Any]:
        return {}

    def suggestion(self, obj: Any, exc: BaseException) -> str:
        return (
            "return dicts with string keys, lists, strings, finite numbers, booleans and "
            "None, or use io_handler='pickle'"
        )
