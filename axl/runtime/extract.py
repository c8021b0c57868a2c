"""Extract a code archive into the runner's work folder, refusing anything unsafe.

On the runner's start path: the standard library and blake3 only.

The archive's blake3 digest is checked before anything else. Then the raw
headers are walked in bounded memory (:mod:`axl.runtime.tar_headers`):
oversized or chained extended headers, sparse files and too many entries or
declared bytes are refused before :mod:`tarfile` reads a header body. Then
every header is read once more, by :mod:`tarfile`, without writing anything:
names holding a NUL, too long or too deep, absolute names, ``..``,
devices, FIFOs, sparse files, duplicate names, entries below a symlink or a
file, hardlinks to anything but an earlier file, symlinks that resolve
(through the archive's other symlinks) outside the folder, too many entries
and too many declared bytes are all refused, naming the entry. Only then are
the files written, into a temporary folder beside the work folder that is
renamed into place at the end, so a failure leaves nothing half-written.
A marker file in the work folder records the digest, so extracting the same
archive again is a no-op, and a folder holding another archive is replaced.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import field
from pathlib import Path
from typing import IO

from blake3 import blake3

from axl.codefiles.selection import MARKER_NAME
from axl.dataclass_fast import dataclass
from axl.digests import digest_hex
from axl.errors import InfrastructureError
from axl.runtime.tar_headers import HeaderRefused, check_headers, over_bytes, over_entries

MARKER_FORMAT = 1
MAX_SYMLINK_HOPS = 40
MAX_DEPTH = 128
"""Folders an entry may lie below (deeper trees make ``mkdir -p`` recurse without end)."""
MAX_NAME_BYTES = 4096
"""Bytes of an entry's name: Linux's ``PATH_MAX``."""
_CHUNK = 1024 * 1024
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class ExtractError(InfrastructureError):
    """A code archive cannot be read or installed."""

    code = "extract"


class ArchiveDigestError(ExtractError):
    """A code archive's bytes are not the ones the manifest names."""

    code = "archive_digest"


class UnsafeArchiveError(ExtractError):
    """A code archive holds an entry that could write outside the work folder, or is a bomb."""

    code = "unsafe_archive"


def file_digest(path: Path) -> str:
    """Hex blake3 of a file's bytes."""
    hasher = blake3()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            hasher.update(chunk)
    return str(hasher.hexdigest())


def _expected(expected_digest: str) -> str:
    """The hex digits of the digest the archive must have (bad input: exit 2)."""
    from axl.manifest import check_archive_digest

    check_archive_digest(expected_digest, "expected archive digest")
    value = digest_hex(expected_digest)
    assert value is not None
    return value


def verify_archive(
    archive: Path, expected_digest: str | None = None, *, what: str = "code archive"
) -> str:
    """The archive's digest, after checking it against ``expected_digest`` when given.

    ``what`` names the archive in messages (``"code archive"``, ``"env archive"``).
    """
    expected = None if expected_digest is None else _expected(expected_digest)
    try:
        actual = file_digest(archive)
    except FileNotFoundError:
        raise ExtractError(
            f"{what} {archive} does not exist",
            hint="check the archive path (and that it was downloaded)",
        ) from None
    except OSError as exc:
        raise ExtractError(f"cannot read {what} {archive}: {exc.strerror or exc}") from None
    if expected is not None and actual != expected:
        raise ArchiveDigestError(
            f"{what} {archive} has blake3 {actual}, expected {expected}",
            hint="the archive changed after it was built: build and upload it again",
        )
    return actual


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogateescape"))


@dataclass
class _Checker:
    """The rules every entry must pass, applied in the same way to both readings."""

    archive: Path
    max_uncompressed: int
    max_files: int
    what: str = "code archive"
    kinds: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    total: int = 0
    count: int = 0

    def refuse(self, name: str, why: str) -> UnsafeArchiveError:
        return UnsafeArchiveError(
            f"{self.what} {self.archive}: entry {name!r} {why}",
            hint="refusing to extract it; rebuild the archive with `axl` from the project folder",
            entry=name,
        )

    def check(self, member: tarfile.TarInfo) -> str | None:
        """The entry's normalised path, or None for the archive's own root folder."""
        name = member.name
        self.count += 1
        if self.count > self.max_files:
            raise self.refuse(name, over_entries(self.max_files))
        if "\0" in name or "\0" in member.linkname:
            raise self.refuse(name, "has a NUL character in its name or link target")
        if name.startswith("/"):
            raise self.refuse(name, "has an absolute path")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise self.refuse(name, "has a '..' component")
        if not parts:
            if member.isdir():
                return None
            raise self.refuse(name, "has an empty path")
        path = "/".join(parts)
        if len(parts) > MAX_DEPTH:
            raise self.refuse(
                name, f"lies {len(parts) - 1} folders deep, over the limit of {MAX_DEPTH}"
            )
        if any(_bytes(text) > MAX_NAME_BYTES for text in (path, member.linkname)):
            raise self.refuse(name, f"has a name or link target over {MAX_NAME_BYTES} bytes")
        if path == MARKER_NAME:
            raise self.refuse(name, "uses a name axl reserves for its marker file")
        kind = self._kind(member)
        self._check_parents(name, parts)
        previous = self.kinds.get(path)
        if previous is not None and not (previous == kind == "dir"):
            raise self.refuse(name, "appears twice (or as a file and a folder)")
        self.kinds[path] = kind
        if kind == "file":
            if member.size > self.max_uncompressed - self.total:
                raise self.refuse(name, over_bytes(member.size, self.max_uncompressed))
            self.total += member.size
        elif kind == "symlink":
            self._check_symlink(name, member.linkname)
            self.links[path] = member.linkname
        elif kind == "hardlink":
            member.linkname = self._check_hardlink(name, member.linkname)
        return path

    def _kind(self, member: tarfile.TarInfo) -> str:
        if member.issparse():
            raise self.refuse(member.name, "is a sparse file")
        if member.isreg():
            return "file"
        if member.isdir():
            return "dir"
        if member.issym():
            return "symlink"
        if member.islnk():
            return "hardlink"
        what = {
            tarfile.CHRTYPE: "a character device",
            tarfile.BLKTYPE: "a block device",
            tarfile.FIFOTYPE: "a FIFO",
        }.get(member.type, f"of unsupported type {member.type!r}")
        raise self.refuse(member.name, f"is {what}")

    def _check_parents(self, name: str, parts: list[str]) -> None:
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            kind = self.kinds.setdefault(parent, "dir")
            if kind == "symlink":
                raise self.refuse(name, f"lies below the symlink {parent!r}")
            if kind != "dir":
                raise self.refuse(name, f"lies below the file {parent!r}")

    def _check_symlink(self, name: str, target: str) -> None:
        if not target:
            raise self.refuse(name, "is a symlink without a target")
        if target.startswith("/"):
            raise self.refuse(name, f"is a symlink to the absolute path {target!r}")

    def _check_hardlink(self, name: str, target: str) -> str:
        parts = [p for p in target.split("/") if p not in ("", ".")]
        if target.startswith("/") or ".." in parts:
            raise self.refuse(name, f"is a hardlink to {target!r}, outside the work folder")
        path = "/".join(parts)
        if self.kinds.get(path) != "file":
            raise self.refuse(name, f"is a hardlink to {target!r}, not a file before it")
        return path

    def finish(self) -> None:
        """Check, with every symlink known, that each resolves inside the folder."""
        for path, target in sorted(self.links.items()):
            self._resolve(path, target)

    def _resolve(self, path: str, target: str) -> None:
        resolved = path.split("/")[:-1]
        pending = list(reversed(target.split("/")))
        hops = 0
        while pending:
            part = pending.pop()
            if part in ("", "."):
                continue
            if part == "..":
                if not resolved:
                    raise self.refuse(path, f"is a symlink to {target!r}, outside the work folder")
                resolved.pop()
                continue
            resolved.append(part)
            link = self.links.get("/".join(resolved))
            if link is None:
                continue
            hops += 1
            if hops > MAX_SYMLINK_HOPS or link.startswith("/"):
                raise self.refuse(path, f"is a symlink to {target!r}, which does not resolve")
            resolved.pop()
            pending.extend(reversed(link.split("/")))


def _open_tar(handle: IO[bytes]) -> tarfile.TarFile:
    return tarfile.open(fileobj=handle, mode="r|gz", encoding="utf-8", errors="surrogateescape")


def _walk_headers(handle: IO[bytes], checker: _Checker) -> None:
    with gzip.GzipFile(fileobj=handle, mode="rb") as stream:
        try:
            check_headers(stream, max_bytes=checker.max_uncompressed, max_entries=checker.max_files)
        except HeaderRefused as refused:
            raise checker.refuse(refused.name, refused.why) from None


def _scan(handle: IO[bytes], checker: _Checker) -> None:
    _walk_headers(handle, checker)
    handle.seek(0)
    with _open_tar(handle) as tar:
        for member in tar:
            checker.check(member)
    checker.finish()


def _write_file(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> None:
    source = tar.extractfile(member)
    assert source is not None
    mode = 0o755 if member.mode & 0o111 else 0o644
    fd = os.open(dest, _OPEN_FLAGS, mode)
    with os.fdopen(fd, "wb") as out:
        remaining = member.size
        while remaining > 0:
            chunk = source.read(min(_CHUNK, remaining))
            if not chunk:
                raise ExtractError(f"entry {member.name!r} is truncated in the archive")
            out.write(chunk)
            remaining -= len(chunk)
        os.fchmod(out.fileno(), mode)


def _make_dirs(folder: Path, made: set[Path]) -> None:
    if folder not in made:
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        made.add(folder)


def _unpack(handle: IO[bytes], checker: _Checker, folder: Path) -> None:
    made: set[Path] = {folder}
    with _open_tar(handle) as tar:
        for member in tar:
            path = checker.check(member)
            if path is None:
                continue
            dest = folder / path
            if member.isdir():
                _make_dirs(dest, made)
                continue
            _make_dirs(dest.parent, made)
            if member.issym():
                os.symlink(member.linkname, dest)
            elif member.islnk():
                os.link(folder / member.linkname, dest, follow_symlinks=False)
            else:
                _write_file(tar, member, dest)
    checker.finish()


# rename(2) errors for a folder that cannot be moved as a whole (image layer, mount point).
_UNMOVABLE = frozenset({errno.EXDEV, errno.EBUSY, errno.EPERM, errno.EACCES})


def read_marker(workdir: Path) -> str | None:
    """The digest of the archive extracted in ``workdir``, if axl extracted one there."""
    try:
        data = json.loads((workdir / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    digest = data.get("digest") if isinstance(data, dict) else None
    return digest if isinstance(digest, str) else None


def _write_marker(folder: Path, digest: str, checker: _Checker) -> None:
    marker = {"digest": digest, "files": checker.count, "format": MARKER_FORMAT}
    (folder / MARKER_NAME).write_text(json.dumps(marker, sort_keys=True) + "\n", encoding="utf-8")


def _install(staged: Path, workdir: Path, digest: str) -> None:
    """Move the extracted folder into place, replacing an older extraction."""
    if os.path.lexists(workdir):
        if workdir.is_symlink() or not workdir.is_dir():
            raise ExtractError(
                f"work folder {workdir} exists and is not a folder",
                hint="pass a new or empty work folder",
            )
        if read_marker(workdir) is None and any(workdir.iterdir()):
            raise ExtractError(
                f"work folder {workdir} holds files that axl did not extract; "
                "refusing to replace them",
                hint="pass a new or empty work folder",
            )
        retired = Path(tempfile.mkdtemp(prefix=f".{workdir.name}.old-", dir=workdir.parent))
        try:
            os.replace(workdir, retired / "tree")
        except OSError as exc:
            shutil.rmtree(retired, ignore_errors=True)
            if exc.errno not in _UNMOVABLE:
                raise
            _install_in_place(staged, workdir)
            return
        try:
            os.rename(staged, workdir)
        except OSError:
            os.replace(retired / "tree", workdir)
            raise
        finally:
            shutil.rmtree(retired, ignore_errors=True)
        return
    try:
        os.rename(staged, workdir)
    except OSError:
        if read_marker(workdir) != digest:  # not another runner extracting the same archive
            raise
        shutil.rmtree(staged, ignore_errors=True)


def _install_in_place(staged: Path, workdir: Path) -> None:
    """Fill a work folder that cannot itself be moved: a folder of a container
    image's own layers (overlayfs refuses to rename it) or a mount point.

    The old extraction's marker goes first and the new one last, so a crash
    part-way leaves a folder that is never taken for a complete extraction.
    """
    (workdir / MARKER_NAME).unlink(missing_ok=True)
    for child in list(workdir.iterdir()):
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    for child in sorted(staged.iterdir()):
        if child.name != MARKER_NAME:
            shutil.move(str(child), str(workdir / child.name))
    shutil.move(str(staged / MARKER_NAME), str(workdir / MARKER_NAME))


def extract_archive(
    archive: Path,
    workdir: Path,
    *,
    expected_digest: str | None = None,
    max_uncompressed: int = 1024**3,
    max_files: int = 100_000,
    what: str = "code archive",
) -> Path:
    """Extract ``archive`` into ``workdir`` safely and return ``workdir``.

    ``expected_digest`` (hex blake3, optionally ``blake3:``-prefixed) is
    checked first. Nothing is written outside ``workdir`` (and a temporary
    sibling of it). Raises :class:`ArchiveDigestError`,
    :class:`UnsafeArchiveError` or :class:`ExtractError`, all
    :class:`~axl.errors.InfrastructureError` (exit code 4). ``what`` names the
    archive in messages.
    """
    archive = Path(archive)
    workdir = Path(os.path.abspath(workdir))
    digest = verify_archive(archive, expected_digest, what=what)
    if read_marker(workdir) == digest:
        return workdir
    try:
        with open(archive, "rb") as handle:
            _scan(handle, _Checker(archive, max_uncompressed, max_files, what))
            handle.seek(0)
            workdir.parent.mkdir(parents=True, exist_ok=True)
            staged = Path(tempfile.mkdtemp(prefix=f".{workdir.name}.new-", dir=workdir.parent))
            try:
                checker = _Checker(archive, max_uncompressed, max_files, what)
                _unpack(handle, checker, staged)
                _write_marker(staged, digest, checker)
                _install(staged, workdir, digest)
            finally:
                if staged.exists():
                    shutil.rmtree(staged, ignore_errors=True)
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise ExtractError(
            f"{what} {archive} is not a valid tar.gz: {exc}",
            hint="build and upload the archive again",
        ) from None
    except OSError as exc:
        raise ExtractError(
            f"cannot extract {what} {archive} into {workdir}: {exc}",
            hint="check that the work folder's parent is writable and has space",
        ) from None
    return workdir
