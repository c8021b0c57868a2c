"""Helpers for the packaging tests: small project trees and crafted (unsafe) tar.gz files."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from collections.abc import Iterable
from pathlib import Path

TreeSpec = dict[str, str | bytes]


def write_tree(root: Path, files: TreeSpec, executable: Iterable[str] = ()) -> Path:
    """Create ``files`` (relative path -> text or bytes) under ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    for rel in executable:
        (root / rel).chmod(0o755)
    return root


def snapshot(folder: Path) -> dict[str, str]:
    """Every path below ``folder`` and what it is, to prove nothing was written."""
    seen: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
            seen[str(path.relative_to(folder))] = kind
    return seen


Member = tuple[tarfile.TarInfo, bytes]


def member(name: str, data: bytes = b"x", **fields: object) -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    if info.type != tarfile.REGTYPE:
        info.size = 0
        data = b""
    return info, data


def craft_archive(path: Path, members: Iterable[Member]) -> Path:
    """A tar.gz holding exactly ``members``, however unsafe they are."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data else None)
    path.write_bytes(gzip.compress(buffer.getvalue(), mtime=0))
    return path


def craft_bomb_header(path: Path, name: str, size: int) -> Path:
    """A tar.gz whose only member declares ``size`` bytes but carries almost none."""
    info = tarfile.TarInfo(name)
    info.size = size
    header = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    path.write_bytes(gzip.compress(header + b"\0" * 4096, mtime=0))
    return path
