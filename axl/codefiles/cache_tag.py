"""``CACHEDIR.TAG``: the mark on axl's workspaces and cache folders, which are never code.

A workspace or a cache store inside a project (``--workspace .axl-ci``, a
``--cache-store`` folder) holds run outputs and cache entries. Read as code,
each run would change the next run's code digest, so every cached step would
miss, and archives and images would carry old runs. Only the default
``.axl`` and the current run's own workspace were left out by name; now axl
tags each workspace it writes, and each folder store that is not a
workspace's own ``cache``, with the file of the Cache
Directory Tagging Specification (its first line is the signature below, which
backup tools such as tar, borg and restic honour too), and the code selection
never enters a folder that holds one.

A folder is tagged only while it holds nothing but what axl keeps there, so
``--workspace .`` (a project's own folder) is never tagged.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

TAG_NAME = "CACHEDIR.TAG"
SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"
TAG_TEXT = SIGNATURE + (
    b"\n# This folder is an axl workspace or cache store: run outputs and cached results.\n"
    b"# Code archives, images and the step cache's code digest leave it out.\n"
)
WORKSPACE_NAMES = frozenset({"runs", "cache", "workdir", "archives", TAG_NAME})
"""What a workspace holds (besides axl's temporary ``.``-names)."""


def workspace_entry(name: str) -> bool:
    """Whether ``name`` is something axl keeps at a workspace's top."""
    return name in WORKSPACE_NAMES


def is_tagged(folder: str) -> bool:
    """Whether ``folder`` holds a cache directory tag (a file starting with the signature)."""
    try:
        with open(os.path.join(folder, TAG_NAME), "rb") as tag:
            return tag.read(len(SIGNATURE)) == SIGNATURE
    except OSError:
        return False


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
    temp = folder / f".{TAG_NAME}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        temp.write_bytes(TAG_TEXT)
        os.replace(temp, folder / TAG_NAME)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()
        return False
    return True
