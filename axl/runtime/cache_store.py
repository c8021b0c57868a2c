"""Where the step cache keeps entries: a folder here, or S3/MinIO (:mod:`axl.runtime.cache_s3`).

An entry is ``entry.json`` (the key, the step, each output's sidecar facts and
each file's digest under ``files``) and the files it names. Every store
keeps entries write-once: :meth:`CacheStore.put` makes an entry whole or not
at all and never replaces one, so of two writers of the same key the first
complete one wins. A hit reads :meth:`CacheStore.entry`, then
:meth:`CacheStore.copy_into` writes each file into a temporary file the
caller opened beside the output's path, hashing the bytes as it writes them;
the caller checks that digest against the entry's before renaming the file
into place (see :mod:`axl.runtime.cache`).
:meth:`CacheStore.get` copies an entry's files into a folder.

A folder store holds ``<root>/<key>/``: the files are copied (a
copy-on-write clone where the filesystem has them, never a hard link) into a
temporary folder beside it, which is renamed into place. A hit appends one
line to the entry's ``.hits`` file (``O_APPEND``: no read, no lock, no race
between readers); the count is its size over the line's, its mtime the last
use. Listing and removal for ``axl cache ls/gc/clear`` are
:meth:`CacheStore.entries`, :meth:`CacheStore.remove` and :meth:`CacheStore.sweep`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from blake3 import blake3

from axl.codefiles.cache_tag import is_tagged
from axl.dataclass_fast import dataclass
from axl.digests import format_digest
from axl.errors import InfrastructureError
from axl.io import atomic
from axl.runtime.folder_tag import tag_folder

ENTRY_FILE = "entry.json"
DEFAULT_FOLDER = "cache"
"""A local run's store, under its workspace: ``<workspace>/cache``."""
HITS_FILE = ".hits"
"""In a folder entry: one line per hit (appended), its mtime the entry's last use."""
_HIT_LINE = b"%020.6f\n"
_HIT_LINE_BYTES = 21
LEFTOVER_SECONDS = 3600.0
"""A writer's or a removal's leftovers are swept once this old (a live writer is younger)."""
_FICLONE = 0x40049409  # ioctl of Linux: share the blocks, copy on write
_CHUNK = 1024 * 1024


class CacheStoreError(InfrastructureError):
    """The cache store cannot be read or written."""

    code = "cache_store"


class DamagedEntry(Exception):
    """An entry is there but cannot be read whole: a miss, with ``why`` in a warning."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class EntryInfo:
    """One complete entry as a listing sees it (``hits`` None: the store does not count them)."""

    key: str
    workflow: str | None
    step: str | None
    size: int
    """Bytes of the entry's objects: its files, ``entry.json`` and its hit record."""
    created: float | None
    hits: int | None
    last_hit: float | None

    @property
    def last_used(self) -> float:
        """The last hit, else the creation (0 when neither is known: the oldest).

        Never before the creation: S3 gives a hit's time in whole seconds."""
        return max(self.last_hit or 0.0, self.created or 0.0)

    def to_dict(self) -> dict[str, object]:
        """The fields as JSON data."""
        return {
            "key": self.key,
            "workflow": self.workflow,
            "step": self.step,
            "size": self.size,
            "created": self.created,
            "hits": self.hits,
            "last_hit": self.last_hit,
            "last_used": self.last_used,
        }


class CacheStore(Protocol):
    """Write-once entries by key."""

    url: str
    counts_hits: bool
    """Whether :meth:`entries` knows how many hits each entry had (else only the last)."""

    def get(self, key: str, into: Path) -> dict[str, Any] | None:
        """``key``'s entry, its files copied into the folder ``into``; None when absent.

        Raises :class:`DamagedEntry` for an entry that is there but unreadable.
        """
        ...

    def entry(self, key: str) -> dict[str, Any] | None:
        """``key``'s ``entry.json``, checked by :func:`parse_entry`; None when absent.

        Raises :class:`DamagedEntry` for an entry that is there but unreadable.
        """
        ...

    def copy_into(self, key: str, entry: Mapping[str, Any], name: str, fd: int) -> str | None:
        """Write the file ``name`` of ``key``'s ``entry`` into the open file ``fd``; the
        ``blake3:`` digest of the bytes written, or None when the file system cloned the
        file without them passing through (the caller then reads ``fd``'s file to check
        it). Raises :class:`DamagedEntry` when it cannot be read."""
        ...

    def put(self, key: str, entry: Mapping[str, Any], files: Mapping[str, Path]) -> bool:
        """Store ``entry`` and ``files`` (name -> file) under ``key``, unless an entry is there.

        True when this call made the entry.
        """
        ...

    def keys(self) -> list[str]:
        """The keys of the complete entries."""
        ...

    def remove(self, key: str) -> None:
        """Remove ``key``'s entry (nothing when absent)."""
        ...

    def record_hit(self, key: str) -> None:
        """Note a hit of ``key``'s entry, in O(1) and never failing (a lost note is harmless)."""
        ...

    def entries(self) -> list[EntryInfo]:
        """Every complete entry, with its size, age and hits, by key."""
        ...

    def sweep(self, older_than: float = LEFTOVER_SECONDS) -> int:
        """Remove what crashed writers or removals left, once ``older_than`` seconds old;
        the number of leftovers removed."""
        ...


class FolderStore:
    """Entries in ``<root>/<key>/``, each made in a temporary folder and renamed into place."""

    counts_hits = True

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = str(root)

    def get(self, key: str, into: Path) -> dict[str, Any] | None:
        entry = fetch(self, key, into)
        if entry is not None:
            record_folder_hit(os.path.join(self.root, key))
        return entry

    def entry(self, key: str) -> dict[str, Any] | None:
        where = os.path.join(self.root, key, ENTRY_FILE)
        try:
            text = atomic.read_file(where)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise DamagedEntry(f"cannot read {where}: {exc}") from None
        return parse_entry(text, where)

    def copy_into(self, key: str, entry: Mapping[str, Any], name: str, fd: int) -> str | None:
        source = os.path.join(self.root, key, name)
        try:
            src = os.open(source, os.O_RDONLY)
        except OSError as exc:
            raise DamagedEntry(f"cannot read {source}: {exc.strerror or exc}") from None
        try:
            return copy_fd(src, fd)
        finally:
            os.close(src)

    def put(self, key: str, entry: Mapping[str, Any], files: Mapping[str, Path]) -> bool:
        target = self.root / key
        if target.exists():
            return False
        temp = self.root / f".{key}.{os.getpid()}.{_token()}.tmp"
        try:
            temp.mkdir(parents=True)
            for name, source in files.items():
                clone_file(source, temp / name)
                os.chmod(temp / name, 0o444)
            (temp / ENTRY_FILE).write_text(json.dumps(entry, sort_keys=True))
            os.chmod(temp / ENTRY_FILE, 0o444)
        except OSError as exc:
            _discard(temp)
            raise CacheStoreError(
                f"cannot write cache entry {target}: {exc.strerror or exc}",
                hint=f"check that {self.root} is writable and has space",
            ) from None
        except BaseException:
            _discard(temp)
            raise
        try:
            os.rename(temp, target)
        except OSError:  # another writer's complete entry is there: it stays
            _discard(temp)
            return False
        if not is_tagged(str(self.root.parent)):  # not a workspace's: results, never code
            tag_folder(self.root, allowed=_is_key)
        return True

    def keys(self) -> list[str]:
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return []
        return sorted(n for n in names if not n.startswith(".") and (self.root / n).is_dir())

    def remove(self, key: str) -> None:
        _discard(self.root / key)

    def record_hit(self, key: str) -> None:
        record_folder_hit(os.path.join(self.root, key))

    def entries(self) -> list[EntryInfo]:
        return [found for key in self.keys() if (found := self._info(key)) is not None]

    def _info(self, key: str) -> EntryInfo | None:
        folder = self.root / key
        try:
            entry = json.loads((folder / ENTRY_FILE).read_bytes())
            names = os.listdir(folder)
        except FileNotFoundError:  # removed meanwhile, or not whole: not an entry
            return None
        except (OSError, ValueError, RecursionError):  # unreadable, not JSON, nested too deep
            entry, names = None, []
        size, hits, last_hit = 0, 0, None
        for name in names:
            with contextlib.suppress(OSError):
                stat = os.lstat(folder / name)
                size += stat.st_size
                if name == HITS_FILE:
                    hits, last_hit = stat.st_size // _HIT_LINE_BYTES, stat.st_mtime
        return describe(key, entry, size=size, hits=hits, last_hit=last_hit)

    def sweep(self, older_than: float = LEFTOVER_SECONDS) -> int:
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return 0
        swept, now = 0, time.time()
        for name in names:
            path = self.root / name
            if not (name.startswith(".") and name.endswith(".tmp")):
                continue
            with contextlib.suppress(OSError):
                if now - path.lstat().st_mtime > older_than:
                    _discard(path)
                    swept += 1
        return swept


def record_folder_hit(folder: str) -> None:
    """Append one line to ``folder``'s hit record: one ``open(O_APPEND)`` and one write.

    A folder renamed aside meanwhile (a removal) is not recreated: ``O_CREAT``
    makes the file, never its folder; any failure is ignored.
    """
    try:
        fd = os.open(os.path.join(folder, HITS_FILE), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return
    try:
        os.write(fd, _HIT_LINE % time.time())
    except OSError:
        pass
    finally:
        os.close(fd)


def describe(
    key: str,
    entry: object,
    *,
    size: int,
    hits: int | None,
    last_hit: float | None,
    created: float | None = None,
) -> EntryInfo:
    """What a listing shows of an entry from its JSON (``created``: when the JSON has none)."""
    fields: Mapping[str, object] = entry if isinstance(entry, dict) else {}
    workflow, step, made = fields.get("workflow"), fields.get("step"), fields.get("created")
    if isinstance(made, int | float) and not isinstance(made, bool):
        created = float(made)
    return EntryInfo(
        key=key,
        workflow=workflow if isinstance(workflow, str) else None,
        step=step if isinstance(step, str) else None,
        size=size,
        created=created,
        hits=hits,
        last_hit=last_hit,
    )


def parse_entry(text: bytes, where: str) -> dict[str, Any]:
    """An entry's JSON, checked for the fields every reader needs."""
    try:
        entry = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DamagedEntry(f"{where} is not JSON: {exc}") from None
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, dict) or not all(
        isinstance(n, str) and n and "/" not in n and not n.startswith(".") for n in files
    ):
        raise DamagedEntry(f"{where} lists no files")
    checked: dict[str, Any] = entry
    return checked


def fetch(store: CacheStore, key: str, into: Path) -> dict[str, Any] | None:
    """``key``'s entry, its files copied into the folder ``into``; None when absent."""
    entry = store.entry(key)
    if entry is None:
        return None
    for name in entry["files"]:
        fd = os.open(into / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            store.copy_into(key, entry, name, fd)
        finally:
            os.close(fd)
    return entry


def copy_fd(src: int, dst: int) -> str | None:
    """Copy the open file ``src`` into the empty ``dst``: a copy-on-write clone where the
    filesystem has them (None), else a copy, hashed as it is written (its ``blake3:``
    digest); never a hard link: damaging one never damages the other."""
    try:
        fcntl.ioctl(dst, _FICLONE, src)
        return None
    except OSError:  # no clones here (or across these two filesystems): copy
        pass
    return write_hashed(lambda size: os.read(src, size), dst)


def write_hashed(read: Callable[[int], bytes], fd: int) -> str:
    """Write into ``fd`` what ``read(size)`` gives until it gives nothing; the ``blake3:``
    digest of those bytes."""
    hasher = blake3()  # one thread: the engine calls this too (see axl.runtime.fork_server)
    while chunk := read(_CHUNK):
        hasher.update(chunk)
        atomic.write_all(fd, chunk)
    return format_digest(hasher.hexdigest())


def clone_file(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` atomically with :func:`copy_fd`."""
    fd, temp = atomic.open_temp(str(target))
    try:
        try:
            src = os.open(source, os.O_RDONLY)
            try:
                copy_fd(src, fd)
            finally:
                os.close(src)
        finally:
            os.close(fd)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException as exc:
        atomic.remove(temp)
        if isinstance(exc, OSError) and exc.filename != str(source):
            raise atomic.cannot_write(str(target), exc.strerror or str(exc)) from None
        raise


def _is_key(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def _token() -> str:
    """8 random hex digits for a temporary name (``secrets`` would load OpenSSL to say so)."""
    return os.urandom(4).hex()


def _discard(folder: Path) -> None:
    """Remove a folder of the store (renamed aside first, so no reader sees it half gone)."""
    aside = folder.with_name(f".{folder.name}.{os.getpid()}.{_token()}.tmp")
    with contextlib.suppress(OSError):
        os.rename(folder, aside)
    shutil.rmtree(aside, ignore_errors=True)
