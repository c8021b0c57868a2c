"""Deterministic code archives of a workflow project, their upload to S3/MinIO, and the
reproducible image of a workflow (``axl build-image``).

The runner's side (extracting an archive safely) is :mod:`axl.runtime.extract`.
"""

from axl.codefiles.ignore import select_files
from axl.codefiles.roots import ModuleLocation, archive_root_for, locate_module, module_name_for
from axl.packaging.archive import ArchiveError, ArchiveResult, archive_name, build_archive
from axl.packaging.image_build import ImageBuild, ImageRequest, build_image
from axl.packaging.image_reference import BuiltImage, load_build_report
from axl.packaging.location import CodeLocation, archive_key, parse_endpoint
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
    "BuiltImage",
    "CodeLocation",
    "ImageBuild",
    "ImageRequest",
    "ModuleLocation",
    "StorageError",
    "UploadResult",
    "archive_key",
    "archive_name",
    "archive_root_for",
    "build_archive",
    "build_image",
    "download_archive",
    "load_build_report",
    "locate_module",
    "module_name_for",
    "parse_bucket_uri",
    "parse_endpoint",
    "select_files",
    "upload_archive",
]
