"""Looking after a cache store: its entries, and which of them a cleanup removes.

``axl cache ls`` lists a store's entries (:meth:`CacheStore.entries`);
``axl cache gc`` removes the entries not used for an age (by their last hit,
else their creation) and then, while the store is still over a size, the
least recently used; ``axl cache clear`` removes them all. Every removal goes
through :meth:`CacheStore.remove` (a folder is renamed aside before it is
deleted; on S3 ``entry.json`` goes first), so no reader ever sees half an
entry and a writer racing a removal leaves a whole entry or none: a removed
entry is a miss next time. Leftovers of crashed writers are swept once an
hour old, never younger (a live writer's).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path

from axl.dataclass_fast import dataclass
from axl.errors import UsageError
from axl.runtime.cache import open_store
from axl.runtime.cache_store import DEFAULT_FOLDER, CacheStore, EntryInfo

_SIZE = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([KMGTP]?)(i?)(B?)", re.IGNORECASE)
_POWERS = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5}


@dataclass(frozen=True)
class Cleanup:
    """What a gc or clear removed (or, dry, would remove) and what stays."""

    removed: tuple[EntryInfo, ...]
    kept: int
    kept_size: int
    swept: int
    """Leftovers of crashed writers removed."""

    @property
    def freed(self) -> int:
        """Bytes of the removed entries."""
        return sum(entry.size for entry in self.removed)


def store_for(cache_store: str | None, workspace: Path) -> CacheStore:
    """The store ``--cache-store`` names, else ``<workspace>/cache`` (as ``run local`` uses)."""
    from axl.dsl.options import OptionValueError
    from axl.dsl.workflow import check_cache_store

    try:
        url = check_cache_store(cache_store)
    except OptionValueError as exc:
        raise UsageError(
            f"--cache-store {cache_store!r}: {exc}", hint="give a folder or s3://BUCKET/PREFIX"
        ) from None
    return open_store(url or str(workspace / DEFAULT_FOLDER))


def parse_size(text: str, flag: str = "--max-size") -> int:
    """Bytes from ``10G``, ``500M``, ``2.5GB``, ``1GiB`` or ``4096`` (K, M, G: powers of
    1000; Ki, Mi, Gi: of 1024)."""
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        raise UsageError(
            f"{flag} {text!r} is not a size",
            hint="write a number of bytes or e.g. 500M, 10G, 2.5GB",
        )
    number, unit, binary, _ = found.groups()
    if binary and not unit:
        raise UsageError(f"{flag} {text!r} is not a size", hint="write e.g. 500Mi or 10G")
    base = 1024 if binary else 1000
    return int(float(number) * base ** _POWERS[unit.upper()])


def parse_age(text: str, flag: str = "--older-than") -> float:
    """Seconds from ``7d``, ``12h``, ``30m``, ``90s`` or ``1d12h``."""
    from axl.dsl.options import OptionValueError, parse_duration

    try:
        seconds = parse_duration(text.strip() or None)
    except OptionValueError as exc:
        raise UsageError(f"{flag}: {exc}", hint="write e.g. 7d, 12h, 30m or 1d12h") from None
    if seconds is None:
        raise UsageError(f"{flag} needs an age", hint="write e.g. 7d, 12h, 30m or 1d12h")
    return seconds


def to_remove(
    entries: Iterable[EntryInfo],
    *,
    older_than: float | None,
    max_size: int | None,
    now: float,
) -> list[EntryInfo]:
    """The entries unused for ``older_than`` seconds, then the least recently used of the
    rest until they fit in ``max_size`` bytes; oldest first."""
    by_use = sorted(entries, key=lambda e: (e.last_used, e.key))
    chosen = [e for e in by_use if older_than is not None and now - e.last_used > older_than]
    gone = {e.key for e in chosen}
    rest = [e for e in by_use if e.key not in gone]
    total = sum(e.size for e in rest)
    for entry in rest:
        if max_size is None or total <= max_size:
            break
        chosen.append(entry)
        total -= entry.size
    return chosen


def collect(
    store: CacheStore,
    *,
    older_than: float | None,
    max_size: int | None,
    dry_run: bool = False,
    now: float | None = None,
) -> Cleanup:
    """Remove what :func:`to_remove` chooses (nothing when ``dry_run``) and sweep leftovers."""
    entries = store.entries()
    chosen = to_remove(
        entries, older_than=older_than, max_size=max_size, now=time.time() if now is None else now
    )
    return _remove(store, entries, chosen, dry_run=dry_run)


def clear(store: CacheStore, *, dry_run: bool = False) -> Cleanup:
    """Remove every entry, and the leftovers of crashed writers."""
    entries = store.entries()
    return _remove(store, entries, entries, dry_run=dry_run)


def _remove(
    store: CacheStore, entries: list[EntryInfo], chosen: list[EntryInfo], *, dry_run: bool
) -> Cleanup:
    for entry in chosen:
        if not dry_run:
            store.remove(entry.key)
    swept = 0 if dry_run else store.sweep()
    gone = {e.key for e in chosen}
    kept = [e for e in entries if e.key not in gone]
    return Cleanup(
        removed=tuple(chosen), kept=len(kept), kept_size=sum(e.size for e in kept), swept=swept
    )
