"""Pausing Python's cycle collector around bulk construction of fresh objects."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector while building large trees of fresh objects.

    Building an IR or a compiled document allocates many containers and no
    garbage cycles; with the collector running, each generation-0 pass also
    scans what survived earlier passes, so the time per step grows with the
    size of the workflow. Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
