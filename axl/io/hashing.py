"""The blake3 digest of an artifact's bytes: taken while they are written, or from a mapping.

Writing: :class:`HashingWriter` is the file a streaming handler writes to; it
hashes each chunk on its way to the file, a large chunk on a helper thread
while this one writes it, so the digest costs little beyond the write itself.

Reading: :func:`digest_buffer` hashes a buffer (e.g. a memory map of the
file) with several threads when it is large; :func:`digest_fd` hashes a large
file from a memory map of its own.
"""

from __future__ import annotations

import os
import threading
from pickle import PickleBuffer
from typing import TYPE_CHECKING, Any

from blake3 import blake3

from axl.io import atomic

if TYPE_CHECKING:
    from queue import SimpleQueue

_CHUNK = 1024 * 1024  # bytes read at a time when a small file is hashed
_PARALLEL_FROM = 4 * 1024 * 1024  # files this big are hashed by several threads, from a map
_OVERLAP_FROM = 256 * 1024  # chunks this big are hashed on the helper thread as they are written

# blake3's AUTO mode starts a global thread pool that lives as long as the process:
# a process forked after that inherits the pool without its threads and hangs in it.
# Only a step's own process (which never forks steps) may use it; everywhere else a
# large file gets a pool of its own, gone when its hasher is.
_writer_threads = [1]


def use_global_hash_pool() -> None:
    """Let streaming writes in this process hash with blake3's global thread pool.

    Call it only in a process that will not fork: a step's own process.
    """
    _writer_threads[0] = blake3.AUTO


def hash_threads(size: int) -> int:
    """Threads to hash ``size`` bytes with: a pool of the hasher's own for a large file."""
    return min(os.cpu_count() or 1, 8) if size >= _PARALLEL_FROM else 1


def digest_buffer(data: Any) -> str:
    """The hex blake3 digest of a bytes-like object, by several threads when it is large."""
    return str(blake3(data, max_threads=hash_threads(len(data))).hexdigest())


def digest_fd(fd: int) -> tuple[str, int]:
    """The hex digest and size of the file ``fd``, just opened."""
    size = os.fstat(fd).st_size
    if size >= _PARALLEL_FROM:
        import mmap  # here, like queue below: the runner imports this module for every step

        try:
            mapped = mmap.mmap(fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
        except (OSError, ValueError):  # a filesystem without memory maps: read it
            pass
        else:
            try:
                with memoryview(mapped) as view:
                    return digest_buffer(view), size
            finally:
                mapped.close()
    hasher = blake3(max_threads=hash_threads(size))
    size = 0
    while chunk := os.read(fd, _CHUNK):
        hasher.update(chunk)
        size += len(chunk)
    return str(hasher.hexdigest()), size


class HashingWriter:
    """The binary file a streaming handler writes to: hashes and counts on the way.

    A chunk of at least 256 KiB is hashed by a helper thread while this thread
    writes it (blake3 and ``os.write`` both release the GIL); ``write`` returns
    once both are done, so the caller may reuse its buffer. Call :meth:`close`
    when done (it ends the helper thread), then read :meth:`hexdigest`.
    """

    closed = False

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._hasher = blake3(max_threads=_writer_threads[0])
        self._helper: _HashThread | None = None
        self.size = 0

    def write(self, data: Any) -> int:
        if type(data) is not bytes:
            # Pickle protocol 5 hands over array buffers as they are (e.g. 2-D int64),
            # pyarrow its own buffers: hash and write their raw bytes.
            try:
                data = PickleBuffer(data).raw()
            except BufferError:
                data = memoryview(data).tobytes()
        if len(data) < _OVERLAP_FROM:
            self._hasher.update(data)
            written = atomic.write_all(self._fd, data)
        else:
            helper = self._helper or self._start_helper()
            helper.hash(data)
            try:
                written = atomic.write_all(self._fd, data)
            finally:
                helper.wait()
        self.size += written
        return written

    def flush(self) -> None:
        """Nothing to flush: every write goes straight to the file."""

    def close(self) -> None:
        """End the helper thread, if one was started (the file itself stays open)."""
        if self._helper is not None:
            self._helper.stop()
            self._helper = None
        self.closed = True

    def hexdigest(self) -> str:
        """The hex digest of everything written."""
        return str(self._hasher.hexdigest())

    def _start_helper(self) -> _HashThread:
        self._helper = _HashThread(self._hasher)
        return self._helper


class _HashThread:
    """One thread that feeds chunks to a hasher, one at a time, when asked."""

    def __init__(self, hasher: Any) -> None:
        from queue import SimpleQueue

        self._hasher = hasher
        self._todo: SimpleQueue[Any] = SimpleQueue()
        self._done: SimpleQueue[BaseException | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="axl-hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._todo.get()) is not None:
            try:
                self._hasher.update(chunk)
            except BaseException as exc:  # handed to the writing thread
                self._done.put(exc)
            else:
                self._done.put(None)

    def hash(self, chunk: Any) -> None:
        self._todo.put(chunk)

    def wait(self) -> None:
        error = self._done.get()
        if error is not None:
            raise error

    def stop(self) -> None:
        self._todo.put(None)
        self._thread.join()
