"""The step cache's settings for a compile: the code and lock digests, computed once.

A pod and a local run agree on a step's key only when they agree on its code
and environment, so a compile digests the code as a local run does: the
project's files as a code archive packs them
(:func:`axl.codefiles.selection.tree_digest` of the project folder holding the
workflow's module), never the archive file's own digest (its bytes depend on
compression, and a local run that ships no archive has none). The archive a
compile ships holds exactly the digested files, so the key names the code the
pods run. The lock is the project's ``uv.lock`` (or the workflow's
``requirements_file``) by digest, as a local run keys it; a target whose steps
run in an image pinned by digest keys the image instead
(:func:`axl.planning.cache.step_cache`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from blake3 import blake3

from axl.codefiles.roots import archive_root_for, locate_module
from axl.codefiles.selection import select_entries, tree_digest
from axl.dataclass_fast import dataclass
from axl.digests import format_digest
from axl.ir import IRWorkflow
from axl.planning.cache import CacheSettings

UV_LOCK = "uv.lock"


@dataclass(frozen=True)
class ProjectCache:
    """The settings, and what may keep a local run's keys from matching them."""

    settings: CacheSettings
    warnings: tuple[str, ...] = ()


def project_cache(
    ir: IRWorkflow,
    store: str,
    module_file: Path,
    *,
    root: Path | None = None,
    exclude: Sequence[str] = (),
    output: Path | None = None,
    endpoint: str | None = None,
) -> ProjectCache:
    """The cache settings of ``ir``'s cached steps with the code of the project at ``root``
    (default: the nearest folder with ``pyproject.toml`` or ``.git`` above ``module_file``,
    as a local run finds it); ``exclude``: gitignore lines the archive leaves out too.

    ``output`` (the compiled file) is never digested: it names the digest. A local
    run digests it when it is in the project and not ignored, and then keys every
    step differently: that, and ``exclude``, are warnings.
    """
    folder = Path(os.path.abspath(root if root is not None else archive_root_for(module_file)))
    selection = select_entries(folder, extra_patterns=tuple(exclude))
    warnings = []
    if output is not None and Path(os.path.abspath(output)).is_relative_to(folder):
        name = Path(os.path.abspath(output)).relative_to(folder).as_posix()
        if any(entry.name == name for entry in selection.entries):
            entries = tuple(entry for entry in selection.entries if entry.name != name)
            selection = replace(selection, entries=entries)
            warnings.append(
                f"{output} is in the project {folder}: a local run digests it as code, so its "
                "cache keys differ from the compiled steps' (write it elsewhere, or list it "
                "in .axlignore)"
            )
    if exclude:
        warnings.append(
            "--exclude leaves files out of the cache's code digest, and a local run keeps "
            "them: list the patterns in .axlignore for the keys to match"
        )
    module = locate_module(module_file, folder).module
    settings = CacheSettings(
        store=store,
        code=format_digest(tree_digest(selection)),
        lock=lock_digest(ir, folder),
        workflow=f"{module}:{ir.qualname}",
        endpoint=endpoint,
    )
    return ProjectCache(settings=settings, warnings=tuple(warnings))


def lock_digest(ir: IRWorkflow, root: Path) -> dict[str, str]:
    """``{"lock": digest}`` of ``uv.lock`` or ``{"requirements_file": digest}``; {} for none."""
    if ir.requirements_file is not None and not ir.use_lockfile:
        name, path = "requirements_file", root / ir.requirements_file
    elif ir.use_lockfile is not False:
        name, path = "lock", root / UV_LOCK
    else:
        return {}
    try:
        return {name: format_digest(blake3(path.read_bytes()).hexdigest())}
    except OSError:
        return {}
