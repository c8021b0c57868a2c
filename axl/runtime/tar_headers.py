"""Walk a tar stream's headers before :mod:`tarfile` reads them, in bounded memory.

:mod:`tarfile` reads the body of an extended header (pax ``x``/``g``, GNU
long names ``L``/``K``) into memory whole, whatever size the header declares,
follows a chain of them by recursion, and reads GNU sparse maps without a
bound: a 1 MB archive can make it allocate gigabytes. This walk reads each
512-byte header itself and refuses, before reading the body, an extended
header over :data:`MAX_EXTENDED_HEADER` bytes, a chain of more than
:data:`MAX_EXTENDED_CHAIN` of them, sparse files, more entries than the
caller allows, and archives whose extended headers and files together
declare more bytes than it allows. File data is
skipped in fixed-size chunks, never held.

It reads sizes the way :mod:`tarfile` does (octal or base-256 fields, a pax
``size`` record replacing the ustar one), so both see the same headers; where
it cannot read a header it stops and leaves the verdict to :mod:`tarfile`.
Standard library only: it is on the runner's start path.
"""

from __future__ import annotations

import re
from typing import Protocol

BLOCK = 512
MAX_EXTENDED_HEADER = 64 * 1024
"""Bytes an extended header may declare: far above any real path, link or pax record set."""
MAX_EXTENDED_CHAIN = 8
"""Extended headers allowed in a row before one entry."""

_EXTENDED = frozenset(b"xgXLK")
_PAX = frozenset(b"xgX")
_GLOBAL = ord("g")
_NO_DATA = frozenset(b"123456")  # links, devices, folders and FIFOs carry none
_SPARSE = ord("S")
_RECORD = re.compile(rb"(\d+) ([^=]+)=")
_SKIP_CHUNK = 1024 * 1024


class Readable(Protocol):
    """A binary stream to read from (an open file, a :class:`gzip.GzipFile`)."""

    def read(self, size: int = -1, /) -> bytes: ...


class HeaderRefused(Exception):
    """A header the walk refuses: ``name`` is the entry's, ``why`` completes a sentence."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"{name!r} {why}")
        self.name = name
        self.why = why


def _number(field: bytes) -> int | None:
    """A numeric header field as :mod:`tarfile` reads it, or None when it is not a number."""
    if field[:1] in (b"\x80", b"\xff"):
        value = int.from_bytes(field[1:], "big")
        return value if field[0] == 0x80 else value - 256 ** (len(field) - 1)
    try:
        text = field.split(b"\0", 1)[0].decode("ascii")
        return int(text.strip() or "0", 8)
    except ValueError:
        return None


def _name(block: bytes) -> str:
    name = block[:100].split(b"\0", 1)[0]
    if block[257:262] == b"ustar":
        prefix = block[345:500].split(b"\0", 1)[0]
        if prefix:
            name = prefix + b"/" + name
    return name.decode("utf-8", "surrogateescape")


def _read(stream: Readable, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _skip(stream: Readable, size: int) -> bool:
    """Read past ``size`` bytes; False when the stream ends first."""
    while size > 0:
        chunk = stream.read(min(size, _SKIP_CHUNK))
        if not chunk:
            return False
        size -= len(chunk)
    return True


def _padded(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


def _pax_records(body: bytes) -> dict[bytes, bytes]:
    """The records of a pax header, read as leniently as :mod:`tarfile` reads them."""
    records: dict[bytes, bytes] = {}
    pos = 0
    while (match := _RECORD.match(body, pos)) is not None:
        length = int(match.group(1))
        if length == 0:
            break
        records[match.group(2)] = body[match.end() : match.start(1) + length - 1]
        pos += length
    return records


def over_bytes(size: int, limit: int) -> str:
    """Why an entry of ``size`` bytes is refused under a limit of ``limit`` bytes in all."""
    return f"declares {size} bytes, taking the archive over its limit of {limit} uncompressed bytes"


def over_entries(limit: int) -> str:
    """Why the entry after the first ``limit`` is refused."""
    return f"goes over the limit of {limit} entries"


def check_headers(stream: Readable, *, max_bytes: int, max_entries: int) -> None:
    """Walk the headers of the uncompressed tar ``stream``; raise :class:`HeaderRefused`.

    ``max_bytes`` bounds what the extended headers' bodies and the files
    declare together, ``max_entries`` the entries (extended headers aside).
    """
    walk = _Walk(max_bytes, max_entries)
    while True:
        block = _read(stream, BLOCK)
        if len(block) < BLOCK or block.count(0) == BLOCK:
            return
        size = _number(block[124:136])
        if size is None:
            return
        kind, name = block[156], _name(block)
        if kind in _EXTENDED:
            body = _read(stream, _padded(walk.extended(name, kind, size)))[:size]
            if kind in _PAX:
                walk.pax(name, kind, _pax_records(body))
        elif not _skip(stream, _padded(walk.entry(name, kind, size))):
            return


class _Walk:
    """What the walk knows between headers: bytes so far, the extended headers in a row."""

    def __init__(self, max_bytes: int, max_entries: int) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.total = 0
        self.entries = 0
        self.chain = 0
        self.pax_for_next = False
        self.next_size: int | None = None

    def _count(self, name: str, size: int) -> None:
        if size < 0:
            raise HeaderRefused(name, f"declares a negative size ({size})")
        self.total += size
        if self.total > self.max_bytes:
            raise HeaderRefused(name, over_bytes(size, self.max_bytes))

    def extended(self, name: str, kind: int, size: int) -> int:
        """Check an extended header before its body is read; the body's size."""
        self.chain += 1
        if size > MAX_EXTENDED_HEADER:
            raise HeaderRefused(
                name,
                f"is an extended header (pax or GNU long name) of {size} bytes, "
                f"over the limit of {MAX_EXTENDED_HEADER}",
            )
        if self.chain > MAX_EXTENDED_CHAIN:
            raise HeaderRefused(
                name, f"is one of more than {MAX_EXTENDED_CHAIN} extended headers in a row"
            )
        self._count(name, size)
        return size

    def pax(self, name: str, kind: int, records: dict[bytes, bytes]) -> None:
        """Take in a pax header's records: a size for the next entry, or a refusal."""
        if any(key.startswith(b"GNU.sparse.") for key in records):
            raise HeaderRefused(name, "describes a sparse file")
        if kind == _GLOBAL:
            if b"size" in records:
                raise HeaderRefused(name, "is a global pax header that sets a size")
            return
        if self.pax_for_next:
            raise HeaderRefused(name, "is a second pax header for the same entry")
        self.pax_for_next = True
        if b"size" in records:
            try:
                self.next_size = int(records[b"size"])
            except ValueError:
                self.next_size = 0  # what tarfile makes of a malformed size

    def entry(self, name: str, kind: int, size: int) -> int:
        """Check an entry's header; the bytes of data that follow it."""
        self.entries += 1
        if self.entries > self.max_entries:
            raise HeaderRefused(name, over_entries(self.max_entries))
        if kind == _SPARSE:
            raise HeaderRefused(name, "is a sparse file")
        if self.next_size is not None:
            size = self.next_size
        self.chain, self.pax_for_next, self.next_size = 0, False, None
        # tarfile skips the data of unknown types, as if they were files.
        data = 0 if kind in _NO_DATA else size
        self._count(name, data)
        return data
