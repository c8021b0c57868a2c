"""A run's folder: its id, the lock that gives it one owner, and leftovers of killed runs."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from pathlib import Path

from axl.errors import UsageError
from axl.runtime.folder_tag import tag_folder
from axl.runtime.record import JOURNAL_FILE, RECORD_FILE, storage_error

RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
LOCK_FILE = "lock"


def tag_workspace(run_dir: Path) -> None:
    """Mark the workspace holding ``<workspace>/runs/<run_dir>`` as never code."""
    if run_dir.parent.name == "runs":
        tag_folder(run_dir.parent.parent)


def check_run_id(run_id: str) -> str:
    """``run_id`` if it is a plain folder name, else a :class:`UsageError`."""
    if not RUN_ID.fullmatch(run_id):
        raise UsageError(
            f"run id {run_id!r} is not valid: use letters, digits, '.', '_' and '-' "
            "(at most 128, starting with a letter or digit)",
            hint="for example --run-id train-2026-12-01",
        )
    return run_id


class RunLock:
    """An exclusive ``flock`` on ``<run>/lock``, which holds the owner's pid.

    The kernel drops the lock when its owner dies, so a lock left by a killed
    run is never mistaken for a live one.
    """

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / LOCK_FILE
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise storage_error(f"cannot create the run folder {run_dir}", exc) from None
        tag_workspace(run_dir)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            owner = _read_owner(self.fd)
            os.close(self.fd)
            raise UsageError(
                f"run {run_dir.name} is in use by another process"
                + (f" (pid {owner})" if owner else ""),
                hint="wait for it to finish, or start a new run (another --run-id)",
            ) from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        """Give the run up (the file stays; only the lock matters)."""
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _read_owner(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""


def has_record(run_dir: Path) -> bool:
    """True when the folder holds an earlier run's record or journal."""
    return (run_dir / RECORD_FILE).exists() or (run_dir / JOURNAL_FILE).exists()


def remove_leftovers(run_dir: Path) -> None:
    """Delete temporary files a killed run left (``.NAME.<pid>.<n>.tmp``)."""
    for folder in (run_dir, *(p for p in run_dir.iterdir() if p.is_dir())):
        for entry in os.scandir(folder):
            if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
