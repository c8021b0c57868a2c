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

The runtime writes the tags (:mod:`axl.runtime.folder_tag`); this module
only reads them.
"""

from __future__ import annotations

import os

TAG_NAME = "CACHEDIR.TAG"
SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"
TAG_TEXT = SIGNATURE + (
    b"\n# This folder is an axl workspace or cache store: run outputs and cached results.\n"
    b"# Code archives, images and the step cache's code digest leave it out.\n"
)


def is_tagged(folder: str) -> bool:
    """Whether ``folder`` holds a cache directory tag (a file starting with the signature)."""
    try:
        with open(os.path.join(folder, TAG_NAME), "rb") as tag:
            return tag.read(len(SIGNATURE)) == SIGNATURE
    except OSError:
        return False
