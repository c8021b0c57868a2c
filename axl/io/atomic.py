"""Atomic files: write to a temporary name in the same folder, then rename over.

A reader sees the old file or the new one, never a partial one, even when the
writer is killed. With ``durable=True`` the data is fsynced before the rename
and the folder after it, so the rename survives a power loss too.

Paths are plain strings and files raw descriptors here: this runs for every
artifact a step writes, and pathlib and buffered files cost more than the
system calls they wrap.
"""

from __future__ import annotations

import itertools
import os

from axl.errors import ArtifactError

_counter = itertools.count()
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL  # os.open adds O_CLOEXEC itself (PEP 446)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)


def open_temp(path: str) -> tuple[int, str]:
    """Create a new hidden file next to ``path`` (``.NAME.ext.<pid>.<n>.tmp``).

    The folder is created when it does not exist yet.
    """
    folder, _, name = path.rpartition("/")
    prefix = f"{folder}/.{name}.{os.getpid()}." if folder else f".{name}.{os.getpid()}."
    made_folder = False
    while True:
        temp = f"{prefix}{next(_counter)}.tmp"
        try:
            return os.open(temp, _FLAGS, 0o666), temp
        except FileExistsError:  # left by a killed process whose pid was reused
            continue
        except FileNotFoundError:
            if made_folder:
                raise cannot_write(path, "its folder disappeared while writing") from None
            make_folder(path)
            made_folder = True
        except OSError as exc:
            raise cannot_write(path, exc.strerror or str(exc)) from None


def make_folder(path: str) -> None:
    """Create the folder of ``path`` and its parents."""
    folder = os.path.dirname(path) or "."
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise cannot_write(
            path, f"cannot create the folder {folder}: {exc.strerror or exc}"
        ) from None


def cannot_write(path: str, why: str) -> ArtifactError:
    """The error for an artifact that cannot be written, naming its folder."""
    folder = os.path.dirname(path) or "."
    return ArtifactError(
        f"cannot write artifact {path}: {why}",
        hint=f"check that {folder} is a writable folder with free space, "
        "or choose another output folder",
        path=path,
    )


def write_all(fd: int, data: bytes | memoryview) -> int:
    """Write every byte of ``data`` (bytes, or a 1-D byte view) to ``fd``; the number written."""
    view = memoryview(data)
    total = len(view)
    done = os.write(fd, view)
    while done < total:
        done += os.write(fd, view[done:])
    return total


def write_file(path: str, data: bytes, *, durable: bool) -> None:
    """Write ``data`` to ``path`` atomically."""
    fd, temp = open_temp(path)
    try:
        try:
            write_all(fd, data)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException as exc:
        remove(temp)
        if isinstance(exc, OSError):
            raise cannot_write(path, exc.strerror or str(exc)) from None
        raise


def sync_folder(path: str) -> None:
    """Make renames in the folder of ``path`` durable."""
    fd = os.open(os.path.dirname(path) or ".", _DIR_FLAGS)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove(path: str) -> None:
    """Delete ``path`` if it exists."""
    try:  # noqa: SIM105 (contextlib.suppress costs more, and this runs for every artifact)
        os.unlink(path)
    except FileNotFoundError:
        pass


def read_file(path: str) -> bytes:
    """The bytes of a small file, with a bare open, fstat and read."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return read_all(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def read_all(fd: int, size: int) -> bytes:
    """Read ``size`` bytes (fewer only if the file is shorter) from ``fd``."""
    data = os.read(fd, size)
    if len(data) == size or not data:
        return data
    chunks = [data]
    left = size - len(data)
    while left > 0 and (chunk := os.read(fd, left)):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
