"""The contract every IO handler meets.

An IO handler turns a step's return value into a file and back. The artifact
layer (:mod:`axl.io.artifacts`) owns everything around that: the temporary
file, the digest, the sidecar, the atomic rename. A handler only knows its
format.

Optional methods make a handler faster and its errors clearer; the artifact
layer uses them when present:

* ``dump(obj, file)`` and ``loads(data)`` (:class:`StreamingIOHandler`): write
  to an open binary file and read from bytes, so the digest is computed while
  writing and a small artifact is read from disk once.
* ``load_file(file)``: read a larger artifact from the open binary file the
  digest check hashed, so what is loaded is what was checked.
* ``map(path)`` and ``load_mapped(mapped)`` (:class:`MappedIOHandler`): read a
  large artifact from a read-only memory map of its file, which the artifact
  layer hashes first; the value may keep using the mapping (no copy), so the
  file is read once, by the digest check.
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


@runtime_checkable
class MappedIOHandler(IOHandler, Protocol):
    """An :class:`IOHandler` that reads its value in place from a memory map of the file."""

    def map(self, path: Path) -> Any:
        """The bytes of the file at ``path``, memory-mapped read-only.

        An object with the buffer protocol that keeps the mapping alive while it
        is referenced (by the loaded value too) and unmaps it when it is not.
        """
        ...

    def load_mapped(self, mapped: Any) -> Any:
        """Read back a value from what :meth:`map` returned, already checked against
        the digest; the value may keep using it."""
        ...
