"""The files of a project that travel with its code, and the digest of their archive.

:func:`select_entries` picks the files :func:`~axl.codefiles.ignore.walk_tree`
selects and checks them (size, symlinks leaving the root, names);
:func:`stream_archive` writes them as the deterministic tar.gz of
:mod:`axl.packaging.archive`, and :func:`selection_digest` is that
archive's digest without writing it anywhere. :func:`tree_digest` digests
the same files without compressing them: the step cache keys code by it, so
a local run and a pod given the same digest agree on the code.

Every entry has the same mtime, uid/gid 0, empty owner names, and mode 0644
(0755 when any execute bit is set; 0777 for symlinks); the gzip header has
mtime 0 and no file name, and the compression level is fixed.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from blake3 import blake3

from axl.codefiles.ignore import AXLIGNORE, walk_tree
from axl.codefiles.secret_files import secret_reason
from axl.dataclass_fast import dataclass
from axl.errors import AxlError

if TYPE_CHECKING:  # imported where an archive is written: digesting the code needs neither
    import tarfile

ARCHIVE_MTIME = 315532800  # 1980-01-01T00:00:00Z: what zip-era tools accept as "no date"
COMPRESSLEVEL = 6
DEFAULT_SIZE_LIMIT = 50 * 1024**2
MARKER_NAME = ".axl-archive.json"
"""The marker an extracted archive's folder holds: a name no archive may contain."""

_ARCHIVE_FILE = re.compile(r"(code-[0-9a-f]{16}\.tar\.gz|\.code-.*\.tmp)")


class ArchiveError(AxlError):
    """The project tree cannot be archived as it is (too big, an escaping symlink, a bad name)."""

    code = "archive"


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


class HashingSink:
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
    import tarfile

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


def stream_archive(root: Path, entries: Sequence[Entry], sink: HashingSink) -> None:
    import gzip
    import tarfile

    gz = gzip.GzipFile(filename="", mode="wb", fileobj=sink, compresslevel=COMPRESSLEVEL, mtime=0)
    with gz, tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            add_entry(tar, root, entry)


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        pass


def tree_digest(selection: Selection) -> str:
    """Hex blake3 of the selected files' names, modes, link targets and contents.

    What a code archive of ``selection`` holds, without compressing it (a
    megabyte takes about a millisecond): the step cache keys code by it, so a
    change to any file the archive would ship changes it, and nothing else does.
    """
    hasher = blake3()
    for entry in selection.entries:
        if entry.link is not None:
            content = "link:" + entry.link
        else:
            path = selection.root / entry.name
            file = blake3()
            if os.path.getsize(path):
                file.update_mmap(path)
            content = file.hexdigest()
        hasher.update(f"{entry.name}\0{entry.mode:o}\0{content}\n".encode())
    return hasher.hexdigest()


def selection_digest(selection: Selection) -> str:
    """Hex blake3 of the archive of ``selection``: what :func:`build_archive` would name it by."""
    sink = HashingSink(_Discard())
    stream_archive(selection.root, selection.entries, sink)
    return sink.hasher.hexdigest()


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


def _is_own_output(root: Path, folder: Path, name: str) -> bool:
    """Whether ``name`` is an archive (or a temporary file) this function wrote before."""
    parent, _, base = name.rpartition("/")
    here = root / parent if parent else root
    return here == Path(os.path.abspath(folder)) and _ARCHIVE_FILE.fullmatch(base) is not None
