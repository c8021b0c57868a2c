"""Content-addressed upload of code archives to S3 or an S3-compatible store (MinIO).

The key of an archive is ``<prefix>/code-<digest[:16]>.tar.gz``: the same
code always lands on the same key, and an upload is skipped when the key is
already there. Credentials come from the usual AWS sources (environment,
shared files, instance roles); axl never takes, stores or prints them. The
endpoint comes from ``endpoint_url`` or, as boto3 reads it,
``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.errors import InfrastructureError, MissingDependencyError, UsageError
from axl.packaging.archive import ArchiveResult
from axl.packaging.location import archive_key

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_DENIED = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden"}


class StorageError(InfrastructureError):
    """The object store cannot be reached, or refuses a request."""

    code = "storage"


@dataclass(frozen=True)
class UploadResult:
    """Where an archive is stored, and whether this call uploaded it."""

    bucket: str
    key: str
    uri: str
    uploaded: bool


def parse_bucket_uri(uri: str) -> tuple[str, str]:
    """``"s3://bucket/some/prefix/"`` -> ``("bucket", "some/prefix")``."""
    text = uri.strip() if isinstance(uri, str) else ""
    if not text.startswith("s3://"):
        raise UsageError(
            f"bucket URI {uri!r} does not start with s3://",
            hint="pass s3://BUCKET or s3://BUCKET/PREFIX",
        )
    bucket, _, prefix = text.removeprefix("s3://").partition("/")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise UsageError(
            f"bucket URI {uri!r} names no valid bucket ({bucket!r})",
            hint="bucket names have 3-63 lowercase letters, digits, dots and hyphens",
        )
    parts = [p for p in prefix.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise UsageError(f"bucket URI {uri!r} has a '.' or '..' in its prefix")
    return bucket, "/".join(parts)


def make_client(endpoint_url: str | None = None) -> Any:
    """An S3 client with bounded retries and timeouts, path-style for custom endpoints."""
    from axl.runtime.s3_boto import boto_client

    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or None
    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL") or None
    try:
        return boto_client(endpoint)
    except ImportError:
        raise MissingDependencyError(
            "uploading code archives needs boto3, which is not installed",
            hint="pip install 'axl-workflows[s3]'",
        ) from None


def _where(client: Any) -> str:
    return str(getattr(getattr(client, "meta", None), "endpoint_url", None) or "the default S3")


def _storage_error(exc: Exception, action: str, uri: str, client: Any) -> StorageError:
    """One line for a botocore failure: what failed, where, and what to check."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    endpoint = _where(client)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return StorageError(
            f"cannot {action} {uri}: no usable credentials for {endpoint}",
            hint="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
        )
    if isinstance(exc, EndpointConnectionError):
        return StorageError(
            f"cannot {action} {uri}: endpoint {endpoint} is unreachable",
            hint="check the endpoint URL (AWS_ENDPOINT_URL) and that the server is running",
        )
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", "")) or "unknown"
        if code == "NoSuchBucket":
            return StorageError(
                f"cannot {action} {uri}: the bucket does not exist at {endpoint}",
                hint="create the bucket, or check its name and the endpoint",
            )
        if code in _DENIED:
            return StorageError(
                f"cannot {action} {uri}: access denied by {endpoint} ({code})",
                hint="check the credentials and the bucket's policy",
            )
        return StorageError(f"cannot {action} {uri}: {endpoint} answered {code}")
    return StorageError(
        f"cannot {action} {uri} at {endpoint}: {type(exc).__name__}: {exc}",
        hint="check the endpoint URL and the network",
    )


def _botocore_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _head(client: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The object's metadata, or None when it does not exist."""
    from botocore.exceptions import ClientError

    try:
        return dict(client.head_object(Bucket=bucket, Key=key))
    except ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code", "")) in _NOT_FOUND:
            return None
        raise


def _read_error(path: Path, exc: OSError) -> InfrastructureError:
    return InfrastructureError(
        f"cannot read archive {path}: {exc.strerror or exc}", hint="build the archive again"
    )


def upload_archive(
    archive: ArchiveResult | Path,
    bucket_uri: str,
    *,
    endpoint_url: str | None = None,
    client: Any = None,
) -> UploadResult:
    """Upload an archive to ``<bucket_uri>/code-<digest16>.tar.gz`` unless it is already there.

    ``archive`` is a :class:`~axl.packaging.archive.ArchiveResult` or the
    path of an archive file (its digest is then computed). ``client`` is an
    S3 client to use instead of one made from the environment.
    """
    from axl.runtime.extract import file_digest

    bucket, prefix = parse_bucket_uri(bucket_uri)
    if isinstance(archive, ArchiveResult):
        path, digest, size = archive.path, archive.digest, archive.size
    else:
        path = Path(archive)
        try:
            digest, size = file_digest(path), path.stat().st_size
        except OSError as exc:
            raise InfrastructureError(
                f"cannot read archive {path}: {exc.strerror or exc}"
            ) from None
    key = archive_key(prefix, digest)
    uri = f"s3://{bucket}/{key}"
    client = client if client is not None else make_client(endpoint_url)
    try:
        found = _head(client, bucket, key)
        if found is not None and int(found.get("ContentLength", -1)) == size:
            return UploadResult(bucket=bucket, key=key, uri=uri, uploaded=False)
        with open(path, "rb") as body:
            client.put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ContentType="application/gzip",
                Metadata={"blake3": digest},
            )
    except _botocore_errors() as exc:
        raise _storage_error(exc, "upload to", uri, client) from None
    except OSError as exc:
        raise _read_error(path, exc) from None
    return UploadResult(bucket=bucket, key=key, uri=uri, uploaded=True)


def download_archive(
    bucket: str,
    key: str,
    dest: Path,
    *,
    endpoint_url: str | None = None,
    client: Any = None,
) -> Path:
    """Download ``s3://bucket/key`` to the file ``dest`` atomically and return ``dest``."""
    dest = Path(dest)
    uri = f"s3://{bucket}/{key}"
    client = client if client is not None else make_client(endpoint_url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                client.download_fileobj(bucket, key, out)
            except _botocore_errors() as exc:
                if _is_not_found(exc):
                    raise StorageError(
                        f"no object {uri} at {_where(client)}",
                        hint="upload the archive first, or check the bucket and key",
                    ) from None
                raise _storage_error(exc, "download", uri, client) from None
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def _is_not_found(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    return str(response.get("Error", {}).get("Code", "")) in _NOT_FOUND
