"""A workflow image's build context as a folder named after its digest, for BuildKit to read.

``axl build-image`` writes the context as a deterministic tar; BuildKit (and
so ``pulumi-docker-build``) reads a folder. The tar is written first, with
:func:`axl.packaging.image_context.write_context`, and unpacked with
:func:`~axl.packaging.image_context.extract_context` into
``<build_dir>/context-<digest16>``: the same files, modes and times, at a
path that only the content names. The folder appears whole or not at all
(unpacked beside it, then renamed), and one that exists already is reused.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from axl.digests import short_digest
from axl.errors import InfrastructureError
from axl.packaging.image_context import ImageContext, extract_context, write_context

FOLDER_PREFIX = "context-"
"""Context folders are ``context-<first 16 hex digits of the digest>``."""


@dataclass(frozen=True)
class ContextFolder:
    """A build context on disk: the folder and the ``blake3:`` digest of its tar."""

    path: Path
    digest: str

    @property
    def short_digest(self) -> str:
        """The first 16 hex digits of :attr:`digest` (what names the folder)."""
        return short_digest(self.digest, 16)


def write_context_folder(context: ImageContext, build_dir: Path) -> ContextFolder:
    """``context`` unpacked under ``build_dir``, in a folder named after its digest.

    Raises :class:`~axl.errors.InfrastructureError` when it cannot be written.
    """
    build_dir = Path(os.path.abspath(build_dir))
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".context-", dir=build_dir))
    except OSError as exc:
        raise _unwritable(build_dir, exc) from None
    try:
        written = write_context(context, scratch / "context.tar")
        name = f"{FOLDER_PREFIX}{short_digest(written.digest, 16)}"
        folder = ContextFolder(build_dir / name, written.digest)
        if not folder.path.is_dir():
            staging = scratch / "context"
            staging.mkdir()
            extract_context(written.path, staging)
            _publish(staging, folder.path)
    except (OSError, tarfile.TarError) as exc:
        raise _unwritable(build_dir, exc) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def _publish(staging: Path, folder: Path) -> None:
    """Rename ``staging`` to ``folder``; another program that got there first wins."""
    try:
        staging.rename(folder)
    except OSError:
        if not folder.is_dir():
            raise


def _unwritable(build_dir: Path, exc: BaseException) -> InfrastructureError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return InfrastructureError(
        f"cannot write the image's build context under {build_dir}: {reason}",
        hint="check that the project's files are readable and the build folder is writable "
        "(build_dir=)",
    )
