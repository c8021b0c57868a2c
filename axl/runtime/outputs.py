"""What a step wrote for one output: the runner's result and the run record share it.

A plain dataclass, so the runner (``python -m axl.runtime``) starts without
pydantic; the run record reads it back as one of its fields (:mod:`axl.dataclass_json`).
"""

from __future__ import annotations

from typing import Any

from axl.dataclass_fast import dataclass


@dataclass(frozen=True)
class OutputInfo:
    """One artifact a step wrote: its file, handler, digest, size and Python type."""

    name: str
    path: str
    handler: str
    digest: str
    """``blake3:<hex>`` of the data file's bytes."""
    size: int
    python_type: str

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON data."""
        return {  # by hand: dataclasses.asdict deep-copies every field, once per step
            "name": self.name,
            "path": self.path,
            "handler": self.handler,
            "digest": self.digest,
            "size": self.size,
            "python_type": self.python_type,
        }
