"""Deterministic code archives of a workflow project and their upload to S3/MinIO.

The runner's side (extracting an archive safely) is :mod:`axl.runtime.extract`.
"""

from axl.packaging.archive import ArchiveError, ArchiveResult, archive_name, build_archive
from axl.packaging.ignore import select_files
from axl.packaging.location import CodeLocation, archive_key, parse_endpoint
from axl.packaging.roots import ModuleLocation, archive_root_for, locate_module, module_name_for
from axl.packaging.upload import (
    StorageError,
    UploadResult,
    download_archive,
    parse_bucket_uri,
    upload_archive,
)

__all__ = [
    "ArchiveError",
    "ArchiveResult",
    "CodeLocation",
    "ModuleLocation",
    "StorageError",
    "UploadResult",
    "archive_key",
    "archive_name",
    "archive_root_for",
    "build_archive",
    "download_archive",
    "locate_module",
    "module_name_for",
    "parse_bucket_uri",
    "parse_endpoint",
    "select_files",
    "upload_archive",
]
