"""The step cache, on the runner's side: look a step up before calling it, store it after.

Every backend runs a ``cache=True`` step through this code (its manifest has
a ``cache`` section): the runner computes the step's key
(:mod:`axl.runtime.cache_key`), and on a hit puts the entry's outputs in
place of the step's without importing or calling the step: each file is
copied (or cloned) into a temporary file beside its output path, checked
against its digest (hashed as it is copied, or read back after a clone),
renamed into place and given a sidecar naming this run. After a step that
ran, its outputs are stored write-once in the store (:mod:`axl.runtime.cache_store`).

A damaged entry (unreadable, another key or step, a file whose digest does not
match) is a miss with a warning on stderr, is never loaded, and is removed so
that the next store can replace it; an entry removed while it is read (``axl
cache gc``) is a miss whose warning says it vanished. A store that cannot be
reached is a miss with a warning too, once per run: the process that found it
unreachable neither reads nor writes it again in that run (the local engine
gives its step processes manifests without the cache then, see
:func:`for_step_process`). The cache never fails a step that would succeed
without it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blake3 import blake3

from axl.dataclass_fast import dataclass
from axl.digests import format_digest
from axl.errors import AxlError
from axl.io import atomic
from axl.manifest import Manifest
from axl.runtime.cache_key import KEY_SCHEMA, CacheKey, cache_key
from axl.runtime.cache_store import (
    ENTRY_FILE,
    CacheStore,
    CacheStoreError,
    DamagedEntry,
    FolderStore,
)
from axl.runtime.outputs import OutputInfo

if TYPE_CHECKING:
    from axl.runtime.logs import LogStream

__all__ = ["ENTRY_FILE", "Lookup", "for_step_process", "lookup", "open_store"]

HIT, MISS = "hit", "miss"


@dataclass
class Lookup:
    """A cached step's key, its store, and what the lookup found (``outputs``: a hit)."""

    manifest: Manifest
    key: CacheKey
    store: CacheStore
    outputs: tuple[OutputInfo, ...] | None = None
    stored: bool | None = None
    log: LogStream | None = None
    """Where its warnings go (None: stderr)."""

    def report(self) -> dict[str, Any]:
        """What the runner's result says about the cache (the run record keeps the parts)."""
        data: dict[str, Any] = {
            "status": HIT if self.outputs is not None else MISS,
            "key": self.key.key,
            "parts": dict(self.key.digests),
        }
        if self.stored is not None:
            data["stored"] = self.stored
        return data

    def save(self, outputs: tuple[OutputInfo, ...]) -> None:
        """Keep the step's outputs under its key (the first complete entry stays)."""
        from axl.io.artifacts import read_meta

        manifest, files, described = self.manifest, {}, []
        for out in outputs:
            meta = read_meta(out.path)
            name = f"{out.name}{meta.ext}"
            files[name] = Path(out.path)
            shown = dataclasses.replace(meta, run_id=None).to_dict()
            described.append({"name": out.name, "file": name, "meta": shown})
        entry = {
            "schema": KEY_SCHEMA,
            "key": self.key.key,
            "step": manifest.step,
            "workflow": manifest.workflow_name,
            "parts": dict(self.key.digests),
            "outputs": described,
            "files": {name: _meta_digest(described, name) for name in files},
            "created": time.time(),
        }
        if _unusable(self.manifest):
            self.stored = False  # its warning is given
            return
        try:
            self.stored = self.store.put(self.key.key, entry, files)
        except (AxlError, OSError) as exc:
            self.stored = False
            _warn(self, f"cannot store the result in {self.store.url}: {_text(exc)}")


def open_store(url: str, *, endpoint: str | None = None) -> CacheStore:
    """The store at ``url``: ``s3://BUCKET/PREFIX``, else a folder (one object a process)."""
    found = _STORES.get((url, endpoint))
    if found is None:
        if url.startswith("s3://"):
            from axl.runtime.cache_s3 import S3Store

            found = S3Store(url, endpoint=endpoint)
        else:
            found = FolderStore(Path(url))
        _STORES[(url, endpoint)] = found
    return found


_STORES: dict[tuple[str, str | None], CacheStore] = {}
_UNUSABLE: dict[tuple[str, str | None], str] = {}
"""Each store that could not be read, and the run in which it could not (this process's)."""


def _store_id(manifest: Manifest) -> tuple[str, str | None]:
    assert manifest.cache is not None
    return manifest.cache.store, manifest.cache.endpoint


def _unusable(manifest: Manifest) -> bool:
    """Whether this process found the step's store unreachable earlier in the same run."""
    return _UNUSABLE.get(_store_id(manifest)) == manifest.run_id


def for_step_process(manifest: Manifest) -> Manifest:
    """The manifest the local engine gives a step's process after its own lookup missed:
    without the cache when the engine found the store unreachable in this run (it warned
    once; the process would only fail to read and store again), else as it is."""
    if manifest.cache is None or not _unusable(manifest):
        return manifest
    return dataclasses.replace(manifest, cache=None)


def lookup(
    manifest: Manifest,
    input_digests: Mapping[str, str],
    *,
    durable: bool = False,
    log: LogStream | None = None,
) -> Lookup:
    """The step's key, and its outputs put in place when the store holds an entry for it
    (fsynced with ``durable``, as the runner writes outputs); warnings go to ``log``.

    Nothing here imports user code or starts a thread pool that outlives it, so the
    local engine may call it too (it forks its step processes from its fork server)."""
    assert manifest.cache is not None
    key = cache_key(manifest, input_digests)
    store = open_store(manifest.cache.store, endpoint=manifest.cache.endpoint)
    found = Lookup(manifest=manifest, key=key, store=store, log=log)
    if manifest.outputs and not _unusable(manifest):
        found.outputs = _restore(found, durable)
    return found


def _restore(found: Lookup, durable: bool) -> tuple[OutputInfo, ...] | None:
    manifest, key, store = found.manifest, found.key.key, found.store
    entry: Mapping[str, Any] | None = None
    try:
        entry = store.entry(key)
        if entry is None:
            return None
        outputs = _place(manifest, key, entry, store, durable)
    except DamagedEntry as exc:
        if entry is not None and _vanished(store, key, entry):
            _warn(
                found, f"cache entry {key} vanished while it was read (removed meanwhile; a miss)"
            )
            return None
        _warn(found, f"damaged cache entry {key} (a miss; it is removed): {exc.why}")
        _remove(store, key)
        return None
    except CacheStoreError as exc:
        _UNUSABLE[_store_id(manifest)] = manifest.run_id
        _warn(
            found,
            f"cannot read the cache store {store.url}: {_text(exc)} (a miss; the store is "
            f"not used again in run {manifest.run_id})",
        )
        return None
    except (AxlError, OSError) as exc:
        where = os.path.dirname(manifest.outputs[0].path)
        _warn(found, f"cannot restore the cached result into {where}: {_text(exc)}")
        return None
    store.record_hit(key)
    return outputs


def _place(
    manifest: Manifest, key: str, entry: Mapping[str, Any], store: CacheStore, durable: bool
) -> tuple[OutputInfo, ...]:
    """Stage each output as a temporary file beside its path, check every one against its
    digest, then rename each into place and write its sidecar naming this run.

    Nothing is renamed until every file is checked, and what is staged is removed on any
    failure: a damaged entry never reaches an output path.
    """
    from axl.io.meta import ArtifactMeta, encode_sidecar, sidecar_of

    if entry.get("key") != key or entry.get("step") != manifest.step:
        raise DamagedEntry(f"it names key {entry.get('key')!r} and step {entry.get('step')!r}")
    described = {o.get("name"): o for o in entry.get("outputs", ()) if isinstance(o, dict)}
    files = entry["files"]
    staged: list[tuple[str, str, ArtifactMeta]] = []
    placed = 0  # of the staged files, those renamed into place
    try:
        for out in manifest.outputs:
            item = described.get(out.name)
            if item is None:
                raise DamagedEntry(f"it holds no output {out.name!r}")
            try:
                meta = ArtifactMeta.from_dict(item.get("meta"), source=f"entry {key}")
            except AxlError as exc:
                raise DamagedEntry(exc.message) from None
            name = item.get("file")
            if not isinstance(name, str) or files.get(name) != meta.digest:
                raise DamagedEntry(f"its file list does not name {name!r} by {meta.digest}")
            fd, temp = atomic.open_temp(out.path)
            staged.append((out.path, temp, meta))
            try:
                digest = store.copy_into(key, entry, name, fd)
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            if digest is None:  # cloned: read what the file system made
                digest = _file_digest(temp)
            if digest != meta.digest:
                raise DamagedEntry(f"{name} has digest {digest}, not {meta.digest}")
        outputs = []
        for (target, temp, meta), out in zip(staged, manifest.outputs, strict=True):
            sidecar = sidecar_of(target)
            atomic.remove(sidecar)  # no sidecar ever describes the file being replaced
            os.replace(temp, target)
            placed += 1
            mine = dataclasses.replace(
                meta, run_id=manifest.run_id, step=manifest.step, workflow=manifest.workflow_name
            )
            atomic.write_file(sidecar, encode_sidecar(mine), durable=durable)
            if durable:
                atomic.sync_folder(target)
            outputs.append(
                OutputInfo(
                    name=out.name,
                    path=target,
                    handler=meta.handler,
                    digest=meta.digest,
                    size=meta.size,
                    python_type=meta.python_type,
                )
            )
        return tuple(outputs)
    finally:
        for _, temp, _ in staged[placed:]:
            atomic.remove(temp)


def _file_digest(path: str) -> str | None:
    from axl.io.artifacts import hash_threads

    try:
        size = os.stat(path).st_size
        if size == 0:
            return format_digest(blake3().hexdigest())
        hasher = blake3(max_threads=hash_threads(size))  # never the global pool: see there
        return format_digest(hasher.update_mmap(path).hexdigest())
    except (OSError, ValueError):
        return None


def _meta_digest(described: list[dict[str, Any]], name: str) -> str:
    return str(next(item["meta"]["digest"] for item in described if item["file"] == name))


def _vanished(store: CacheStore, key: str, read: Mapping[str, Any]) -> bool:
    """Whether ``key``'s entry, which was ``read``, is gone or another one now (a removal
    such as ``axl cache gc`` took it while it was copied): not damage."""
    try:
        return store.entry(key) != read
    except (DamagedEntry, AxlError, OSError):
        return False


def _remove(store: CacheStore, key: str) -> None:
    with contextlib.suppress(AxlError, OSError):
        store.remove(key)


def _text(exc: BaseException) -> str:
    return exc.message if isinstance(exc, AxlError) else str(exc)


def _warn(found: Lookup, message: str) -> None:
    from axl.runtime.logs import log_event

    manifest = found.manifest
    log_event(
        "cache_warning",
        level="warning",
        workflow=manifest.workflow_name or manifest.workflow,
        step=manifest.step,
        run_id=manifest.run_id,
        message=message,
        stream=found.log,
    )
