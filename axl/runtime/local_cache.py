"""The step cache's settings for a local run: the store, and the code digest computed once.

A run that ships its code as an archive (``--workflow-archive``) keys the code
by the archive's digest. Otherwise the code is the project's files as a code
archive of them would hold them (:func:`axl.codefiles.selection.tree_digest`
of the project folder holding the workflow's module, computed once per run),
so a change to any helper module counts; a compiler that gives pods the same
digest (``cache.code``) makes a run here and a pod agree on the key. The
environment is this interpreter's: the project's
``uv.lock`` (or the workflow's ``requirements_file``) by digest; the runner adds
the Python and the platform.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from blake3 import blake3

from axl.digests import format_digest
from axl.errors import AxlError, UsageError
from axl.ir import IRWorkflow
from axl.planning.cache import CacheSettings
from axl.runtime.cache_store import DEFAULT_FOLDER
from axl.runtime.local_options import LocalOptions
from axl.runtime.logs import log_event


def cache_settings(ir: IRWorkflow, options: LocalOptions) -> CacheSettings | None:
    """What every cached step of this run shares; None when no step is cached or the code
    cannot be keyed (then the steps run uncached, with a warning)."""
    if not any(node.cache for node in ir.nodes):
        return None
    store = options.cache_store or str(options.workspace / DEFAULT_FOLDER)
    if not store.startswith("s3://"):
        store = str(Path(store).resolve())
    module_file = _module_file(ir)
    root = _project_root(module_file) if module_file is not None else None
    workflow = _archive_ref(ir, module_file, root)
    try:
        code = _code_digest(options, root)
    except (AxlError, OSError) as exc:
        reason = exc.message if isinstance(exc, AxlError) else str(exc)
        log_event(
            "cache_warning",
            level="warning",
            workflow=ir.name,
            step=None,
            run_id=options.run_id,
            message=f"the step cache is off for this run: cannot digest the code: {reason}",
        )
        return None
    return CacheSettings(
        store=store,
        code=code,
        lock=lock_part(ir, root),
        workflow=workflow,
        endpoint=options.cache_endpoint,
    )


def check_cache_endpoint(store: str | None, endpoint: str | None) -> str | None:
    """``endpoint`` (``--cache-endpoint``), refused unless the run's store is in S3."""
    if endpoint is not None and not (store or "").startswith("s3://"):
        raise UsageError(
            f"--cache-endpoint {endpoint!r} needs an S3 cache store, and this run's store is "
            f"{'the workspace folder' if store is None else repr(store)}",
            hint="pass --cache-store s3://BUCKET/PREFIX (or set the workflow's cache_store)",
        )
    return endpoint


def _code_digest(options: LocalOptions, root: Path | None) -> str | None:
    archive = options.archive
    if archive is not None:
        if archive.digest is not None:
            return None  # the manifests carry it
        return format_digest(blake3().update_mmap(archive.path).hexdigest())
    if root is None:
        raise OSError("the workflow's module has no file (define it in a .py file to cache)")
    from axl.codefiles.selection import select_entries, tree_digest

    workspace = Path(os.path.abspath(options.workspace))
    extra = []
    if workspace.is_relative_to(root) and workspace != root:  # the runs are not code
        extra.append("/" + workspace.relative_to(root).as_posix() + "/")
    for attempt in range(3):  # a file removed while the tree is read (an editor's temp file)
        try:
            return format_digest(tree_digest(select_entries(root, extra_patterns=extra)))
        except FileNotFoundError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def lock_part(ir: IRWorkflow, root: Path | None) -> dict[str, str]:
    """``{"lock": digest}`` of ``uv.lock`` or ``{"requirements_file": digest}``; {} for none.

    The compile's own (:func:`axl.planning.cache_code.lock_digest`), so that a local
    run and a pod key the environment alike.
    """
    from axl.planning.cache_code import lock_digest

    return {} if root is None else lock_digest(ir, root)


def _module_file(ir: IRWorkflow) -> Path | None:
    module = sys.modules.get(ir.module)
    found = getattr(module, "__file__", None)
    return Path(found).resolve() if found else None


def _project_root(module_file: Path) -> Path | None:
    from axl.codefiles.roots import archive_root_for

    try:
        return archive_root_for(module_file)
    except AxlError:
        return None


def _archive_ref(ir: IRWorkflow, module_file: Path | None, root: Path | None) -> str:
    """``module:Class`` as the archive of ``root`` names it (the IR's own ref otherwise)."""
    if module_file is None or root is None:
        return ir.ref
    from axl.codefiles.roots import locate_module

    try:
        return f"{locate_module(module_file, root).module}:{ir.qualname}"
    except AxlError:
        return ir.ref


__all__ = ["cache_settings", "check_cache_endpoint", "lock_part"]
