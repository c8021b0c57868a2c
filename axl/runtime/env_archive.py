"""An env of the env cache as a deterministic tar.gz, and an env again from one, safely.

The archive is a gzip-compressed POSIX (pax) tar of the env's files sorted
by path, each with mtime 0, uid/gid 0, no owner names and mode 0644 (0755
when any execute bit is set); the gzip header has mtime 0 and no name. So
one env gives the same bytes wherever it is packed, and its blake3 digest
names those bytes. uv's lock file is left out; a symlink that leaves the
env is refused (its target would not travel).

Unpacking goes through :func:`axl.runtime.extract.extract_archive` (digest
first, then every entry checked for traversal, links, devices and size
bombs) into a temporary folder of the cache, whose marker must name the
expected key before the env is renamed into place.
"""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import tarfile
import tempfile
from pathlib import Path
from typing import IO

from blake3 import blake3

from axl.codefiles.selection import MARKER_NAME
from axl.runtime.env_cache import cache_root, publish, read_marker, staging_folder
from axl.runtime.extract import extract_archive
from axl.runtime.packages import PackagesError

LEFT_OUT = frozenset({".lock", MARKER_NAME})
"""Top-level files of an env that are not packed: uv's lock, an extraction's marker."""
MAX_BYTES = 32 * 1024**3
"""Uncompressed bytes an env archive may hold (CUDA wheels are large)."""
MAX_FILES = 1_000_000
_COMPRESSLEVEL = 6


class _HashingWriter:
    """The archive file, hashed as it is written."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.hasher = blake3()

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _members(env: Path) -> list[str]:
    """Every file and symlink below ``env``, as sorted relative POSIX paths."""
    found = []
    for folder, dirs, files in os.walk(env):
        rel = Path(folder).relative_to(env)
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(folder, d)))]:
            path = (rel / name).as_posix()
            if path not in LEFT_OUT:
                found.append(path)
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
    return sorted(found)


def _add(tar: tarfile.TarFile, env: Path, name: str) -> None:
    path = env / name
    info = tarfile.TarInfo(name)
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        target = os.readlink(path)
        resolved = os.path.normpath(os.path.join(os.path.dirname(name), target))
        if os.path.isabs(target) or resolved.startswith(".."):
            raise PackagesError(
                f"env {env} holds the symlink {name} -> {target}, which leaves the env",
                hint="such an env cannot be shared; the steps install it themselves",
            )
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
        tar.addfile(info)
        return
    if not stat.S_ISREG(mode):
        return
    info.mode = 0o755 if mode & 0o111 else 0o644
    with open(path, "rb") as handle:
        info.size = os.fstat(handle.fileno()).st_size
        tar.addfile(info, handle)


def pack_env(env: Path, out: Path) -> str:
    """Write the env in folder ``env`` to ``out`` (atomically); the archive's hex blake3."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            sink = _HashingWriter(raw)
            gz = gzip.GzipFile(
                filename="", mode="wb", fileobj=sink, compresslevel=_COMPRESSLEVEL, mtime=0
            )
            with gz, tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name in _members(env):
                    _add(tar, env, name)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(sink.hasher.hexdigest())


def unpack_env(archive: Path, key: str, digest: str) -> Path:
    """Make the env ``key`` from ``archive`` (checked to have blake3 ``digest``); its folder.

    Raises :class:`~axl.runtime.extract.ArchiveDigestError` for other bytes,
    :class:`~axl.runtime.extract.UnsafeArchiveError` for an unsafe entry, and
    :class:`PackagesError` when the archive holds another env.
    """
    root = cache_root()
    staged = staging_folder(key, "fetch", root)
    try:
        env = extract_archive(
            archive,
            staged / "env",
            expected_digest=digest,
            max_uncompressed=MAX_BYTES,
            max_files=MAX_FILES,
            what="env archive",
        )
        marker = read_marker(env)
        if marker is None or marker.get("key") != key:
            named = marker.get("key") if marker else None
            raise PackagesError(
                f"env archive {archive} holds env {named or '(no marker)'}, not {key}",
                hint="the store holds something else under this key: delete it, and the "
                "warm step uploads the env again",
            )
        (env / MARKER_NAME).unlink(missing_ok=True)
        return publish(env, key, root)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
