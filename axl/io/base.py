"""The contract every IO handler meets.

An IO handler turns a step's return value into a file and back. The artifact
layer (:mod:`axl.io.artifacts`) owns everything around that: the temporary
file, the digest, the sidecar, the atomic rename. A handler only knows its
format.

Two optional methods make a handler faster and its errors clearer; the
artifact layer uses them when present:

* ``dump(obj, file)`` and ``loads(data)`` (:class:`StreamingIOHandler`): write
  to an open binary file and read from bytes, so the digest is computed while
  writing and a small artifact is read from disk once.
* ``suggestion(obj, exc) -> str``: what the user can do when ``save`` failed
  on a value, e.g. "use io_handler='cloudpickle'".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable


@runtime_checkable
class IOHandler(Protocol):
    """Writes a value to a file and reads it back.

    Attributes:
        name: the name users give as ``io_handler`` (e.g. ``"pickle"``).
        ext: the data file's extension, with the dot (e.g. ``".pkl"``).
    """

    name: str
    ext: str

    def save(self, obj: Any, path: Path) -> None:
        """Write ``obj`` to ``path`` (a new file in an existing folder)."""
        ...

    def load(self, path: Path) -> Any:
        """Read back the value :meth:`save` wrote to ``path``."""
        ...

    def metadata(self, obj: Any) -> dict[str, Any]:
        """Small JSON-safe facts about ``obj`` for the sidecar (may be empty)."""
        ...


@runtime_checkable
class StreamingIOHandler(IOHandler, Protocol):
    """An :class:`IOHandler` that can also write to a file object and read from bytes."""

    def dump(self, obj: Any, file: BinaryIO) -> None:
        """Write ``obj`` to an open binary file."""
        ...

    def loads(self, data: bytes) -> Any:
        """Read back a value from the bytes :meth:`dump` wrote."""
        ...
