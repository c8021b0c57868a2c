"""How to run a workflow locally: the options of :func:`axl.runtime.local.execute_run`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from axl.dataclass_fast import dataclass
from axl.manifest import CodeArchive
from axl.runtime.record import StepRecord

Listener = Callable[[str, StepRecord], None]
"""Called with an event (``planned``, ``started``, ``succeeded``...) and the step's record."""


@dataclass
class LocalOptions:
    """How to run: parallelism, where, isolation, durability, which steps, the cache store."""

    max_parallel: int | None = None
    workspace: Path = Path(".axl")
    run_id: str | None = None
    isolation: str = "worker"
    durable: bool = False
    packages_policy: str = "check"
    archive: CodeArchive | None = None
    python_path: tuple[str, ...] = ()
    only: str | None = None
    resume: bool = False
    target: str | None = None
    listener: Listener | None = None
    cache_store: str | None = None
    """Where ``cache=True`` steps keep results: a folder or ``s3://BUCKET/PREFIX``
    (None: ``<workspace>/cache``)."""
    cache_endpoint: str | None = None
    """The URL of an S3-compatible cache store (None: AWS, or ``AWS_ENDPOINT_URL``)."""
