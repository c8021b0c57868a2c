"""IO handlers: how a step's return value becomes a file, and how it is read back.

Resolve a handler with :func:`get_handler` (``"pickle"``, ``"cloudpickle"``,
``"json"``, ``"parquet"``, ``"arrow"`` or a handler object); read and write
artifacts (data file plus sidecar) with :mod:`axl.io.artifacts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axl.io.base import IOHandler, MappedIOHandler, StreamingIOHandler
from axl.io.registry import HandlerError, get_handler, handler_names, register_handler

if TYPE_CHECKING:
    from axl.io.artifacts import (
        ArtifactMeta,
        read_artifact,
        read_meta,
        verify_artifact,
        write_artifact,
    )

_ARTIFACTS = ("ArtifactMeta", "read_artifact", "read_meta", "verify_artifact", "write_artifact")

__all__ = [
    "ArtifactMeta",
    "HandlerError",
    "IOHandler",
    "MappedIOHandler",
    "StreamingIOHandler",
    "get_handler",
    "handler_names",
    "read_artifact",
    "read_meta",
    "register_handler",
    "verify_artifact",
    "write_artifact",
]


def __getattr__(name: str) -> Any:
    # The artifact layer imports blake3; keep `import axl.io` (and name lookups) free of it.
    if name in _ARTIFACTS:
        from axl.io import artifacts

        return getattr(artifacts, name)
    raise AttributeError(f"module 'axl.io' has no attribute {name!r}")
