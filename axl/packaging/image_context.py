"""The build context of a workflow's image: a deterministic tar.

Layout::

    Containerfile          the generated Containerfile
    deps/                  pyproject.toml + uv.lock, or the requirements files
    code/                  the project's files, selected as for a code archive

Entries are sorted by path, folders included (mode 0755, so that no umask
reaches the image), files 0644 (0755 with an execute bit), symlinks 0777;
every entry has the archives' fixed mtime, uid/gid 0 and no owner names, in
POSIX (pax) format. The bytes depend only on the Containerfile, the
dependency files and the selected files' paths, contents and execute bits:
not on the project's path, the umask or the time. The digest is blake3 of
the uncompressed tar.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from blake3 import blake3

from axl.dataclass_fast import dataclass
from axl.digests import format_digest
from axl.errors import InfrastructureError
from axl.packaging.archive import ARCHIVE_MTIME, Selection, add_entry
from axl.packaging.containerfile import CONTAINERFILE

__all__ = ["ImageContext", "extract_context", "write_context"]

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ImageContext:
    """What goes into the build context: the Containerfile, ``deps/`` files, the code."""

    containerfile: str
    dependency_files: tuple[tuple[str, bytes], ...]
    code: Selection

    @property
    def files(self) -> int:
        """Files and symlinks in the context (folders not counted)."""
        return 1 + len(self.dependency_files) + len(self.code.entries)

    def names(self) -> list[str]:
        """Every path in the context, folders included, sorted."""
        names = {CONTAINERFILE, *(f"deps/{n}" for n, _ in self.dependency_files)}
        names |= {f"code/{e.name}" for e in self.code.entries}
        return sorted(names | _folders(names))


def _folders(names: set[str]) -> set[str]:
    folders = set()
    for name in names:
        parts = name.split("/")[:-1]
        folders |= {"/".join(parts[: i + 1]) for i in range(len(parts))}
    return folders


def _info(name: str, *, size: int = 0, folder: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = ARCHIVE_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if folder:
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.mode = 0o644
        info.size = size
    return info


def _write_tar(context: ImageContext, handle: BinaryIO) -> None:
    memory = {CONTAINERFILE: context.containerfile.encode("utf-8")}
    memory |= {f"deps/{name}": data for name, data in context.dependency_files}
    code = {f"code/{e.name}": e for e in context.code.entries}
    all_names = set(memory) | set(code)
    folders = _folders(all_names)
    with tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(all_names | folders):
            if name in folders:
                tar.addfile(_info(name, folder=True))
            elif name in memory:
                data = memory[name]
                tar.addfile(_info(name, size=len(data)), io.BytesIO(data))
            else:
                add_entry(tar, context.code.root, code[name], prefix="code/")


@dataclass(frozen=True)
class WrittenContext:
    """A context tar on disk and the digest of its (uncompressed) bytes."""

    path: Path
    digest: str
    """``blake3:<hex>`` of the tar."""
    size: int


def write_context(context: ImageContext, path: Path) -> WrittenContext:
    """Write the context to ``path`` atomically: a tar, gzip-compressed when the name ends
    in ``.gz`` or ``.tgz`` (gzip header without name or time). Raises
    :class:`~axl.errors.InfrastructureError` when it cannot be written."""
    path = Path(os.path.abspath(path))
    compress = path.name.endswith((".gz", ".tgz"))
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".context-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w+b") as raw:
            _write_tar(context, raw)
            raw.flush()
            digest, size = _digest(raw)
            if compress:
                raw.seek(0)
                data = raw.read()
                raw.seek(0)
                raw.truncate()
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                    gz.write(data)
            os.fsync(raw.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise InfrastructureError(
            f"cannot write the build context {path}: {exc.strerror or exc}",
            hint="check that the files are readable and the output folder is writable",
        ) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return WrittenContext(path=path, digest=digest, size=size)


def _digest(raw: BinaryIO) -> tuple[str, int]:
    raw.seek(0)
    hasher = blake3()
    size = 0
    while chunk := raw.read(_CHUNK):
        hasher.update(chunk)
        size += len(chunk)
    return format_digest(hasher.hexdigest()), size


def extract_context(tar_path: Path, folder: Path) -> list[str]:
    """Extract a context tar written by :func:`write_context` into ``folder`` (for the build).

    Modes and mtimes are the tar's, so the build sees exactly the context.
    """
    with tarfile.open(tar_path, mode="r:*") as tar:
        members: Sequence[tarfile.TarInfo] = tar.getmembers()
        if hasattr(tarfile, "data_filter"):
            tar.extractall(folder, filter="data")
        else:  # Python before 3.11.4: the members are the ones written above
            tar.extractall(folder)
    return [m.name for m in members]
