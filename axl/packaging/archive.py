"""Deterministic code archives: the same tree gives the same bytes on any machine.

An archive is a gzip-compressed POSIX (pax) tar of the files
:func:`~axl.packaging.ignore.select_files` picks, sorted by path, without
directory entries (like git, empty folders are not kept). Every entry has
the same mtime, uid/gid 0, empty owner names, and mode 0644 (0755 when any
execute bit is set; 0777 for symlinks). The gzip header has mtime 0 and no
file name, and the compression level is fixed, so the bytes depend only on
the selected paths, their contents, their execute bits and the zlib build
(stock zlib has produced the same stream for a given level for years).

Symlinks that stay inside the root are archived as symlinks (an absolute
target inside the root is rewritten as a relative one); a symlink leading
outside the root is refused, because the files it points to would not
travel with the code. Sockets and other special files are skipped with a
warning. The digest (blake3 of the ``.tar.gz`` bytes) names the archive:
``code-<first 16 hex digits>.tar.gz``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from axl.codefiles.ignore import select_files
from axl.codefiles.roots import ROOT_MARKERS
from axl.codefiles.selection import (
    ARCHIVE_MTIME,
    COMPRESSLEVEL,
    DEFAULT_SIZE_LIMIT,
    ArchiveError,
    Entry,
    HashingSink,
    Selection,
    add_entry,
    select_entries,
    selection_digest,
    stream_archive,
)
from axl.dataclass_fast import dataclass
from axl.errors import InfrastructureError

__all__ = [
    "ARCHIVE_MTIME",
    "COMPRESSLEVEL",
    "DEFAULT_SIZE_LIMIT",
    "ROOT_MARKERS",
    "ArchiveError",
    "ArchiveResult",
    "Entry",
    "Selection",
    "add_entry",
    "archive_name",
    "build_archive",
    "select_entries",
    "select_files",
    "selection_digest",
]

DEFAULT_OUT_DIR = Path(".axl") / "archives"


def archive_name(digest: str) -> str:
    """The content-addressed file name of an archive: ``code-<digest[:16]>.tar.gz``."""
    return f"code-{digest[:16]}.tar.gz"


@dataclass(frozen=True)
class ArchiveResult:
    """A written archive and what went into it."""

    path: Path
    digest: str
    """Hex blake3 of the archive's bytes."""
    size: int
    """Bytes of the ``.tar.gz`` file."""
    files: int
    """Entries archived: regular files and symlinks."""
    uncompressed_size: int
    """Bytes of the archived files' contents."""
    warnings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """``code-<digest[:16]>.tar.gz``."""
        return archive_name(self.digest)


@dataclass(frozen=True)
class ArchiveFile:
    """An archive file on disk and its digest."""

    path: Path
    digest: str
    size: int


def _write(root: Path, entries: Sequence[Entry], folder: Path, file: Path | None) -> ArchiveFile:
    """Write the archive atomically to ``file``, or into ``folder`` under its digest's name."""
    fd, tmp = tempfile.mkstemp(prefix=".code-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as raw:
            sink = HashingSink(raw)
            stream_archive(root, entries, sink)
            raw.flush()
            os.fsync(raw.fileno())
        digest = sink.hasher.hexdigest()
        path = file if file is not None else folder / archive_name(digest)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    return ArchiveFile(path=path, digest=digest, size=sink.size)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _destination(root: Path, out: Path | None) -> tuple[Path, bool]:
    """The folder (or file, when ``out`` ends in ``.tar.gz``) to write to."""
    if out is None:
        return root / DEFAULT_OUT_DIR, False
    out = Path(out)
    return out, out.name.endswith(".tar.gz") and not out.is_dir()


def build_archive(
    root: Path,
    out: Path | None = None,
    *,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    extra_patterns: Sequence[str] = (),
) -> ArchiveResult:
    """Archive the project under ``root`` deterministically.

    ``out`` is a folder to write ``code-<digest16>.tar.gz`` into (default
    ``<root>/.axl/archives``), or a file path ending in ``.tar.gz``.
    ``extra_patterns`` are gitignore lines applied after ``.axlignore``.
    Raises :class:`ArchiveError` for a tree that cannot be archived (over
    ``size_limit`` bytes of content, a symlink leaving the root, a file name
    that is not UTF-8) and :class:`~axl.errors.InfrastructureError` when
    reading the tree or writing the archive fails.
    """
    root = Path(os.path.abspath(root))
    if not root.is_dir():
        raise ArchiveError(
            f"archive root {root} is not a folder", hint="pass the project folder to archive"
        )
    target, is_file = _destination(root, out)
    folder = target.parent if is_file else target
    try:
        selection = select_entries(
            root, size_limit=size_limit, extra_patterns=extra_patterns, skip_outputs_in=folder
        )
        folder.mkdir(parents=True, exist_ok=True)
        written = _write(root, selection.entries, folder, target if is_file else None)
    except OSError as exc:
        where = exc.filename or folder
        raise InfrastructureError(
            f"cannot archive {root}: {where}: {exc.strerror or exc}",
            hint="check that the files are readable and the output folder is writable",
        ) from None
    return ArchiveResult(
        path=written.path,
        digest=written.digest,
        size=written.size,
        files=len(selection.entries),
        uncompressed_size=selection.total,
        warnings=selection.warnings,
    )
