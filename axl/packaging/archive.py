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

import gzip
import os
import re
import stat
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from blake3 import blake3

from axl.errors import AxlError, InfrastructureError
from axl.packaging.ignore import AXLIGNORE, select_files, walk_tree
from axl.packaging.secret_files import secret_reason
from axl.runtime.extract import MARKER_NAME

__all__ = [
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

ARCHIVE_MTIME = 315532800  # 1980-01-01T00:00:00Z: what zip-era tools accept as "no date"
COMPRESSLEVEL = 6
DEFAULT_SIZE_LIMIT = 50 * 1024**2
DEFAULT_OUT_DIR = Path(".axl") / "archives"
ROOT_MARKERS = ("pyproject.toml", ".git")

_ARCHIVE_FILE = re.compile(r"(code-[0-9a-f]{16}\.tar\.gz|\.code-.*\.tmp)")


class ArchiveError(AxlError):
    """The project tree cannot be archived as it is (too big, an escaping symlink, a bad name)."""

    code = "archive"


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


@dataclass(frozen=True)
class Entry:
    """One selected file or symlink: its path under the root, size, normalised mode, target."""

    name: str
    size: int = 0
    mode: int = 0o644
    link: str | None = None


@dataclass(frozen=True)
class Selection:
    """The files of a project that travel with its code, and what was noticed picking them."""

    root: Path
    entries: tuple[Entry, ...]
    total: int
    """Bytes of the selected files' contents."""
    warnings: tuple[str, ...]


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _link_entry(root: Path, real_root: str, name: str) -> Entry:
    path = root / name
    target = os.readlink(path)
    resolved = os.path.realpath(path)
    if not _inside(resolved, real_root):
        raise ArchiveError(
            f"symlink {name} -> {target} points outside the archive root {root}",
            hint=f"list {name} in {AXLIGNORE}, or replace the link with the files it points to",
            path=name,
        )
    if os.path.isabs(target):
        target = os.path.relpath(resolved, os.path.realpath(path.parent))
    return Entry(name=name, mode=0o777, link=target)


def _entries(root: Path, names: Sequence[str], warnings: list[str], into: str) -> list[Entry]:
    real_root = os.path.realpath(root)
    entries: list[Entry] = []
    for name in names:
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            raise ArchiveError(
                f"file name {name!r} under {root} is not valid UTF-8",
                hint=f"rename it, or list it in {AXLIGNORE}",
            ) from None
        info = os.lstat(root / name)
        if stat.S_ISLNK(info.st_mode):
            entries.append(_link_entry(root, real_root, name))
        elif not stat.S_ISREG(info.st_mode):
            warnings.append(f"{name} is not a regular file or symlink; it was left out")
            continue
        elif name == MARKER_NAME:
            warnings.append(f"{name} is a name axl reserves in the work folder; it was left out")
            continue
        else:
            mode = 0o755 if info.st_mode & 0o111 else 0o644
            entries.append(Entry(name=name, size=info.st_size, mode=mode))
        reason = secret_reason(name)
        if reason is not None:
            warnings.append(
                f"{name} looks like {reason} and is included in {into}; "
                f"list it in {AXLIGNORE} to leave it out"
            )
    return entries


def _mib(size: int) -> str:
    return f"{size / 1024**2:.1f} MiB"


def _check_size(root: Path, entries: Sequence[Entry], limit: int) -> int:
    total = sum(e.size for e in entries)
    if total <= limit:
        return total
    biggest = sorted(entries, key=lambda e: (-e.size, e.name))[:10]
    listed = ", ".join(f"{e.name} ({_mib(e.size)})" for e in biggest)
    raise ArchiveError(
        f"the code under {root} is {_mib(total)}, over the {_mib(limit)} archive limit; "
        f"biggest files: {listed}",
        hint=f"list data and build outputs in {root / AXLIGNORE} (gitignore syntax), "
        "or raise the archive size limit",
        size=total,
        limit=limit,
    )


class _Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...
    def flush(self) -> None: ...


class _HashingSink:
    """A write-only file that hashes and counts what goes through it."""

    def __init__(self, raw: _Writable) -> None:
        self.raw = raw
        self.hasher = blake3()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _tarinfo(entry: Entry, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(entry.name)
    info.mtime = ARCHIVE_MTIME
    info.mode = entry.mode
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if entry.link is not None:
        info.type = tarfile.SYMTYPE
        info.linkname = entry.link
    else:
        info.size = size
    return info


def add_entry(tar: tarfile.TarFile, root: Path, entry: Entry, prefix: str = "") -> None:
    """Add ``entry`` (a file or symlink under ``root``) to ``tar`` as ``prefix + entry.name``,
    with the fixed mtime, owner and mode of every archive entry."""
    member = replace(entry, name=prefix + entry.name) if prefix else entry
    if entry.link is not None:
        tar.addfile(_tarinfo(member, 0))
        return
    fd = os.open(root / entry.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        tar.addfile(_tarinfo(member, size), handle)


def _stream(root: Path, entries: Sequence[Entry], sink: _HashingSink) -> None:
    gz = gzip.GzipFile(filename="", mode="wb", fileobj=sink, compresslevel=COMPRESSLEVEL, mtime=0)
    with gz, tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            add_entry(tar, root, entry)


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        pass


def selection_digest(selection: Selection) -> str:
    """Hex blake3 of the archive of ``selection``: what :func:`build_archive` would name it by."""
    sink = _HashingSink(_Discard())
    _stream(selection.root, selection.entries, sink)
    return sink.hasher.hexdigest()


def _write(root: Path, entries: Sequence[Entry], folder: Path, file: Path | None) -> ArchiveFile:
    """Write the archive atomically to ``file``, or into ``folder`` under its digest's name."""
    fd, tmp = tempfile.mkstemp(prefix=".code-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as raw:
            sink = _HashingSink(raw)
            _stream(root, entries, sink)
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


def select_entries(
    root: Path,
    *,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    extra_patterns: Sequence[str] = (),
    skip_outputs_in: Path | None = None,
    into: str = "the archive",
) -> Selection:
    """The files under ``root`` that a code archive of it holds, checked.

    ``extra_patterns`` are gitignore lines applied after ``.axlignore``;
    archives this module wrote into ``skip_outputs_in`` are left out. The
    warnings (files that look like credentials, special files) say that a
    file is included in ``into``. Raises :class:`ArchiveError` for a tree
    over ``size_limit`` bytes of content, a symlink leaving the root or a
    file name that is not UTF-8, and :class:`OSError` when reading fails.
    """
    root = Path(os.path.abspath(root))
    warnings: list[str] = []
    names = walk_tree(root, extra_patterns=extra_patterns)
    if skip_outputs_in is not None and _inside(os.path.abspath(skip_outputs_in), str(root)):
        names = [n for n in names if not _is_own_output(root, skip_outputs_in, n)]
    entries = _entries(root, names, warnings, into)
    total = _check_size(root, entries, size_limit)
    if not entries:
        warnings.append(f"no files selected under {root}: {into} is empty")
    return Selection(root=root, entries=tuple(entries), total=total, warnings=tuple(warnings))


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


def _is_own_output(root: Path, folder: Path, name: str) -> bool:
    """Whether ``name`` is an archive (or a temporary file) this function wrote before."""
    parent, _, base = name.rpartition("/")
    here = root / parent if parent else root
    return here == Path(os.path.abspath(folder)) and _ARCHIVE_FILE.fullmatch(base) is not None
