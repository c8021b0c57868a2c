"""Write a step's value as an artifact and read it back, checking its digest first.

An artifact is a data file ``DIR/NAME<ext>`` plus a sidecar
``DIR/NAME.meta.json`` (see :mod:`axl.io.meta`). Writing goes through a
temporary file and a rename, data first and sidecar last; an existing sidecar
is removed just before the new data takes its place, so a reader never pairs
new data with an old sidecar. Reading refuses a file whose size or blake3
digest differs from its sidecar, instead of returning a wrong value.

Every backend's runner calls these functions for every step, so they stay
lean (see :mod:`axl.io.hashing`): the digest is computed while a streaming
handler writes; a small artifact is read from disk once, hashed and loaded from
memory; a large one is hashed by several threads from a memory map, then
loaded from that same mapping (the Arrow and Parquet handlers: no copy) or
from the same open file. What is loaded is always what was checked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from axl._version import __version__
from axl.digests import format_digest
from axl.errors import ArtifactError, AxlError, SerializationError
from axl.io import atomic
from axl.io.base import IOHandler
from axl.io.hashing import (
    HashingWriter,
    digest_buffer,
    digest_fd,
    hash_threads,
    use_global_hash_pool,
)
from axl.io.meta import ArtifactMeta, artifact_name, decode_sidecar, encode_sidecar, sidecar_of
from axl.io.registry import HandlerError, get_handler

__all__ = [
    "DURABLE",
    "ArtifactMeta",
    "hash_threads",
    "read_artifact",
    "read_meta",
    "use_global_hash_pool",
    "verify_artifact",
    "write_artifact",
]

DURABLE = True
"""Default of ``durable=``: fsync data, sidecar and folder (set False for scratch runs)."""

PathLike = str | os.PathLike[str]

# Smaller artifacts are read once, hashed and loaded from memory. A larger one is hashed
# from a memory map, then loaded from the same open file (load_file): for pickle,
# unpickling from the page cache costs less than from a copy in memory or from the map.
_READ_WHOLE = 4 * 1024 * 1024
_MAP_FROM = 1024 * 1024  # from this size a MappedIOHandler loads from the map it was hashed in


def write_artifact(
    obj: Any,
    data_path: PathLike,
    handler: IOHandler | str,
    *,
    step: str,
    workflow: str | None = None,
    run_id: str | None = None,
    durable: bool | None = None,
) -> ArtifactMeta:
    """Write ``obj`` to ``data_path`` with ``handler``, then its sidecar; both atomically.

    Args:
        obj: the value.
        data_path: ``DIR/NAME<ext>``, where ``ext`` is the handler's extension; ``DIR``
            is created if needed.
        handler: an IO handler or its name.
        step: the step that produced the value (recorded, and named in errors).
        workflow: the workflow's name, recorded when given.
        run_id: the run's id, recorded when given (readers check it).
        durable: fsync before renaming; ``None`` uses the module setting :data:`DURABLE`.

    Raises:
        SerializationError: the handler cannot store this value (nothing is left behind).
        ArtifactError: the folder cannot be written.
    """
    io = get_handler(handler)
    path = os.fspath(data_path)
    expected = artifact_name(path) + io.ext
    if not path.endswith("/" + expected) and path != expected:
        raise ArtifactError(
            f"artifact file {path} does not match the {io.name} IO handler: "
            f"expected the name {expected!r}",
            hint="name the data file NAME plus the handler's extension",
            path=path,
            step=step,
        )
    sync = DURABLE if durable is None else durable
    fd, temp = atomic.open_temp(path)
    try:
        digest, size = _write_data(obj, io, fd, temp, sync)
        meta = ArtifactMeta(
            handler=io.name,
            ext=io.ext,
            size=size,
            digest=format_digest(digest),
            python_type=_type_name(obj),
            axl_version=__version__,
            step=step,
            workflow=workflow,
            metadata=io.metadata(obj),
            run_id=run_id,
        )
        sidecar = encode_sidecar(meta)
        side = sidecar_of(path)
        atomic.remove(side)
        os.replace(temp, path)
    except BaseException as exc:
        atomic.remove(temp)
        if isinstance(exc, AxlError) or not isinstance(exc, Exception):
            raise
        if isinstance(exc, OSError):
            raise atomic.cannot_write(path, exc.strerror or str(exc)) from None
        raise _cannot_serialise(obj, io, step, exc) from None
    try:
        atomic.write_file(side, sidecar, durable=sync)
    except BaseException:  # never leave data that looks written (e.g. the disk filled up)
        atomic.remove(path)
        raise
    if sync:
        atomic.sync_folder(path)
    return meta


def _write_data(obj: Any, io: IOHandler, fd: int, temp: str, durable: bool) -> tuple[str, int]:
    """Serialise into the open temporary file; the hex digest and size of what was written."""
    dump = getattr(io, "dump", None)
    if dump is None:
        os.close(fd)
        io.save(obj, Path(temp))
        fd = os.open(temp, os.O_RDONLY)
    try:
        if dump is not None:
            writer = HashingWriter(fd)
            try:
                dump(obj, writer)
            finally:
                writer.close()
            digest, size = writer.hexdigest(), writer.size
        else:
            digest, size = digest_fd(fd)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    return digest, size


def _type_name(obj: Any) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _cannot_serialise(obj: Any, io: IOHandler, step: str, exc: Exception) -> SerializationError:
    suggest = getattr(io, "suggestion", None)
    hint = suggest(obj, exc) if suggest is not None else "use another io_handler for this step"
    kind = _type_name(obj)
    return SerializationError(
        f"step {step!r}: the {io.name} IO handler cannot store its value of type {kind}: "
        f"{type(exc).__name__}: {exc}",
        hint=hint,
        step=step,
        handler=io.name,
        python_type=kind,
    )


def read_meta(data_path: PathLike) -> ArtifactMeta:
    """The sidecar of the artifact at ``data_path``.

    Raises:
        ArtifactError: the artifact or its sidecar is missing or unreadable.
    """
    path = os.fspath(data_path)
    side = sidecar_of(path)
    try:
        raw = atomic.read_file(side)
    except FileNotFoundError:
        if os.path.exists(path):
            raise ArtifactError(
                f"artifact {path} has no sidecar {os.path.basename(side)}: its write did "
                "not finish, or it was not written by axl",
                hint="re-run the step that writes it",
                path=path,
            ) from None
        raise ArtifactError(
            f"artifact {path} does not exist",
            hint="run the step that writes it first, or check the path",
            path=path,
        ) from None
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    return decode_sidecar(raw, side)


def verify_artifact(
    data_path: PathLike, *, step: str | None = None, run_id: str | None = None
) -> ArtifactMeta:
    """Check the data file against its sidecar (size and digest) without loading it.

    ``step`` and ``run_id``, when given, must be the producer the sidecar names:
    a file copied from another step or run is refused even if it is intact.

    Raises:
        ArtifactError: missing data or sidecar, a size or digest mismatch, or
            another producer.
    """
    path = os.fspath(data_path)
    meta = read_meta(path)
    _check_extension(path, meta)
    _check_producer(path, meta, step, run_id)
    _check_file(path, meta)
    return meta


def _check_producer(path: str, meta: ArtifactMeta, step: str | None, run_id: str | None) -> None:
    other_step = step is not None and meta.step != step
    other_run = run_id is not None and meta.run_id is not None and meta.run_id != run_id
    if other_step or other_run:
        expected = f"step {step or meta.step!r} of run {run_id or meta.run_id}"
        raise ArtifactError(
            f"artifact {path} was written by step {meta.step!r} of run {meta.run_id}, "
            f"not by {expected}: it was copied or moved there",
            hint=f"rerun step {step or meta.step!r}, which writes it",
            path=path,
        )


def read_artifact(
    data_path: PathLike,
    handler: IOHandler | str | None = None,
    *,
    verify: bool = True,
    step: str | None = None,
    run_id: str | None = None,
) -> Any:
    """Load the value at ``data_path`` after checking it against its sidecar.

    Args:
        data_path: ``DIR/NAME<ext>``.
        handler: the handler the caller expects (a name or object); ``None`` uses
            the one the sidecar names.
        verify: check size and digest before loading (skip only for trusted files).
        step: the step that must have written it, when known.
        run_id: the run it must belong to, when known.

    Raises:
        ArtifactError: missing data or sidecar, a size or digest mismatch, a
            handler other than the one that wrote it, or another producer.
        SerializationError: the data cannot be turned back into a value (e.g. its
            class is no longer importable).
    """
    path = os.fspath(data_path)
    meta = read_meta(path)
    _check_extension(path, meta)
    _check_producer(path, meta, step, run_id)
    io = _handler_for(path, meta, handler)
    load_mapped = getattr(io, "load_mapped", None) if meta.size >= _MAP_FROM else None
    try:
        if load_mapped is not None:
            return load_mapped(_map_checked(path, meta, io, verify))
        if verify:
            return _load_checked(path, meta, io)
        return io.load(Path(path))
    except AxlError:
        raise
    except FileNotFoundError:
        raise _missing_data(path) from None
    except Exception as exc:
        raise SerializationError(
            f"cannot load artifact {path} (a {meta.python_type} written by the {meta.handler} "
            f"IO handler): {type(exc).__name__}: {exc}",
            hint=f"make the code that defines {meta.python_type} importable in the same version "
            "that wrote it, or re-run the step that writes it",
            path=path,
            handler=meta.handler,
            python_type=meta.python_type,
        ) from None


def _check_extension(path: str, meta: ArtifactMeta) -> None:
    name = artifact_name(path)
    if path.rpartition("/")[2] != name + meta.ext:
        raise ArtifactError(
            f"artifact {path}: its sidecar describes {name}{meta.ext}, written by the "
            f"{meta.handler!r} IO handler",
            hint=f"read {name}{meta.ext}, or re-run the step that writes {path}",
            path=path,
        )


def _handler_for(path: str, meta: ArtifactMeta, wanted: IOHandler | str | None) -> IOHandler:
    if wanted is not None:
        io = get_handler(wanted)
        if io.name != meta.handler:
            raise ArtifactError(
                f"artifact {path} was written by the {meta.handler!r} IO handler, not {io.name!r}",
                hint=f"read it with the {meta.handler!r} handler, or re-run the step that "
                "writes it",
                path=path,
                handler=io.name,
            )
        return io
    try:
        return get_handler(meta.handler)
    except HandlerError:
        raise ArtifactError(
            f"artifact {path} was written by the IO handler {meta.handler!r}, "
            "which is not registered here",
            hint="import the module that defines that handler, or register it with "
            "axl.io.register_handler",
            path=path,
            handler=meta.handler,
        ) from None


def _load_checked(path: str, meta: ArtifactMeta, io: IOHandler) -> Any:
    """Check the file's size and digest, then load the value from what was checked: the
    bytes read (a small file, with ``loads``) or the open file (with ``load_file``)."""
    loads = getattr(io, "loads", None)
    load_file = getattr(io, "load_file", None)
    fd = _open_data(path)
    try:
        data = _check_fd(fd, path, meta, whole=loads is not None)
        if data is not None and loads is not None:
            return loads(data)
        if load_file is not None:
            os.lseek(fd, 0, os.SEEK_SET)
            with open(fd, "rb", closefd=False) as file:
                return load_file(file)
    finally:
        os.close(fd)
    return io.load(Path(path))


def _check_file(path: str, meta: ArtifactMeta) -> None:
    fd = _open_data(path)
    try:
        _check_fd(fd, path, meta, whole=False)
    finally:
        os.close(fd)


def _open_data(path: str) -> int:
    try:
        return os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise _missing_data(path) from None
    except OSError as exc:
        raise _cannot_read(path, exc) from None


def _check_fd(fd: int, path: str, meta: ArtifactMeta, *, whole: bool) -> bytes | None:
    """Check size and digest; the bytes when ``whole`` and the file is small enough."""
    data = None
    try:
        size = os.fstat(fd).st_size
        if whole and size == meta.size and size <= _READ_WHOLE:
            data = atomic.read_all(fd, size)
            digest, size = digest_buffer(data), len(data)
        else:
            digest, size = digest_fd(fd)
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    if size != meta.size or format_digest(digest) != meta.digest:
        raise _corrupt(path, meta, digest, size)
    return data


def _map_checked(path: str, meta: ArtifactMeta, io: Any, verify: bool) -> Any:
    """The handler's memory map of the file, hashed in place and checked when ``verify``."""
    try:
        mapped = io.map(Path(path))
    except FileNotFoundError:
        raise _missing_data(path) from None
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    if not verify:
        return mapped
    with memoryview(mapped) as view:
        digest, size = digest_buffer(view), len(view)
    if size != meta.size or format_digest(digest) != meta.digest:
        raise _corrupt(path, meta, digest, size)
    return mapped


def _corrupt(path: str, meta: ArtifactMeta, digest: str, size: int) -> ArtifactError:
    return ArtifactError(
        f"artifact {path} is corrupt: its digest is {format_digest(digest)} ({size} bytes), "
        f"the sidecar says {meta.digest} ({meta.size} bytes)",
        hint="re-run the step that writes it; never edit an artifact in place",
        path=path,
        expected=meta.digest,
        actual=format_digest(digest),
    )


def _missing_data(path: str) -> ArtifactError:
    return ArtifactError(
        f"artifact {path} is missing but its sidecar exists",
        hint="re-run the step that writes it",
        path=path,
    )


def _cannot_read(path: str, exc: OSError) -> ArtifactError:
    return ArtifactError(
        f"cannot read artifact {path}: {exc.strerror or exc}",
        hint="check the file's permissions and the storage it is on",
        path=path,
    )
