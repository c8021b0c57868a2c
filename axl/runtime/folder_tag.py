"""Tagging the folders axl writes results into as never code (``CACHEDIR.TAG``).

See :mod:`axl.codefiles.cache_tag`, which reads the tag. A folder is tagged
only while it holds nothing but what axl keeps there, so ``--workspace .`` (a
project's own folder) is never tagged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from axl.codefiles.cache_tag import TAG_NAME, TAG_TEXT, is_tagged
from axl.errors import AxlError
from axl.io import atomic

WORKSPACE_NAMES = frozenset({"runs", "cache", "workdir", "archives", TAG_NAME})
"""What a workspace holds (besides axl's temporary ``.``-names)."""


def workspace_entry(name: str) -> bool:
    """Whether ``name`` is something axl keeps at a workspace's top."""
    return name in WORKSPACE_NAMES


def tag_folder(folder: Path, allowed: Callable[[str], bool] = workspace_entry) -> bool:
    """Tag ``folder`` unless it holds an entry ``allowed`` refuses (names starting with
    ``.``, axl's temporary files, are not asked about); True when it is tagged afterwards.

    Never raises: a folder that cannot be tagged is still used (it is read as code only
    when it sits inside a project under another name than ``.axl``).
    """
    if is_tagged(str(folder)):
        return True
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    if not all(name.startswith(".") or name == TAG_NAME or allowed(name) for name in names):
        return False
    try:
        atomic.write_file(str(folder / TAG_NAME), TAG_TEXT, durable=False)
    except (AxlError, OSError):
        return False
    return True
