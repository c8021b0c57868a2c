"""Making envs ready: from the env cache, from the env store, or installed with uv.

A step (policy ``install``) calls :func:`ready_env` with what it lacks: an
env already in this machine's cache is used as it is; else, when the
manifest names a store, the warm step's upload of it is fetched, checked
and extracted; only when neither has it does uv install it. The warm step
(:func:`warm_envs`) makes the env of every step's requirement set ready
before the steps start, and puts each in the store for pods on other
machines.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from axl.dataclass_fast import dataclass
from axl.manifest import EnvStore, WarmManifest
from axl.runtime.env_archive import pack_env, unpack_env
from axl.runtime.env_cache import base_path, find_env, install_env, staging_folder
from axl.runtime.env_store import EnvBucket
from axl.runtime.extract import ArchiveDigestError, UnsafeArchiveError
from axl.runtime.packages import PackagesError, env_key, missing_requirements


@dataclass(frozen=True)
class ReadyEnv:
    """An env in the cache, ready to go on ``sys.path``.

    ``source``: where it came from: ``cache`` (this machine's), ``store``
    (fetched from the env store) or ``installed`` (by uv, just now).
    """

    key: str
    path: Path
    source: str
    duration_ms: float


def ready_env(
    requirements: Sequence[str], *, store: EnvStore | None = None, step: str | None = None
) -> ReadyEnv:
    """The env of ``requirements``: from the cache, else fetched from ``store``, else installed."""
    start = time.perf_counter()
    key = env_key(requirements)
    path = find_env(key)
    source = "cache"
    if path is None and store is not None:
        path = fetch_env(EnvBucket(store), key)
        source = "store"
    if path is None:
        path = install_env(key, requirements, step=step)
        source = "installed"
    return ReadyEnv(key, path, source, (time.perf_counter() - start) * 1000)


def fetch_env(bucket: EnvBucket, key: str) -> Path | None:
    """The env ``key`` from the store, checked and extracted into the cache; None if absent."""
    staged = staging_folder(key, "download")
    try:
        archive = staged / "env.tar.gz"
        digest = bucket.fetch(key, archive)
        if digest is None:
            return None
        try:
            return unpack_env(archive, key, digest)
        except (ArchiveDigestError, UnsafeArchiveError) as exc:
            raise PackagesError(
                f"env {bucket.uri(key)} is refused: {exc.message}",
                hint=f"delete {bucket.uri(key)}; the next warm step uploads it again",
            ) from None
    finally:
        shutil.rmtree(staged, ignore_errors=True)


@dataclass(frozen=True)
class WarmedEnv:
    """What the warm step did for one requirement set.

    ``source``: ``present`` (this environment has it all), ``store`` (already
    shared), ``cache`` or ``installed``; ``uploaded``: put in the store now.
    """

    requirements: tuple[str, ...]
    key: str | None
    source: str
    uploaded: bool
    duration_ms: float


def warm_envs(manifest: WarmManifest) -> list[WarmedEnv]:
    """Make the env of each requirement set ready, in the cache and in the store when given."""
    bucket = EnvBucket(manifest.store) if manifest.store is not None else None
    done: list[WarmedEnv] = []
    seen: set[str] = set()
    for requirements in manifest.sets:
        start = time.perf_counter()
        missing = missing_requirements(requirements, base_path())
        key = env_key(missing) if missing else None
        if key is None or key in seen:
            source, uploaded = ("present" if key is None else "cache"), False
        elif bucket is None:
            source, uploaded = ready_env(missing).source, False
        else:
            source, uploaded = _share(bucket, key, missing)
        if key is not None:
            seen.add(key)
        took = (time.perf_counter() - start) * 1000
        done.append(WarmedEnv(tuple(requirements), key, source, uploaded, took))
    return done


def _share(bucket: EnvBucket, key: str, missing: Sequence[str]) -> tuple[str, bool]:
    """Put the env ``key`` in the store unless it is there; (where it came from, uploaded)."""
    if bucket.has(key):
        return "store", False
    env = ready_env(missing)
    staged = staging_folder(key, "pack")
    try:
        archive = staged / "env.tar.gz"
        digest = pack_env(env.path, archive)
        bucket.put(key, archive, digest)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return env.source, True
