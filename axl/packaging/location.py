"""Where a workflow's code archive is stored, and how the pods reach it.

One model for ``axl compile --code-bucket`` and the Pulumi components: the
archive file, its digest, its S3 bucket and key, the endpoint the pods read
it from, and the Kubernetes Secret that holds the credentials. The Secret is
named, never read: no credential value passes through axl.
"""

from __future__ import annotations

from pathlib import Path

from axl.dataclass_fast import dataclass
from axl.digests import DIGEST_PREFIX, digest_hex, format_digest
from axl.errors import UsageError
from axl.packaging.archive import ArchiveResult, archive_name


@dataclass(frozen=True)
class CodeLocation:
    """A code archive in S3: what the compilers put into the pods, what the CLI uploads."""

    key: str
    """The object key, ``<prefix>/code-<digest16>.tar.gz``."""
    digest: str
    """``blake3:<hex>`` of the archive's bytes, checked by the runner before it extracts."""
    bucket: str | None = None
    """The bucket (None: not known yet; the pods then read the key from the artifact
    repository, whose bucket must be the archive's)."""
    endpoint: str | None = None
    """``host[:port]`` of the S3 store the pods read from (None: the artifact repository)."""
    insecure: bool | None = None
    """True to read ``endpoint`` over plain http."""
    secret: str | None = None
    """The Kubernetes Secret with ``accessKey``/``secretKey`` for ``endpoint``
    (None: the pod's own credentials)."""
    archive: Path | None = None
    """The archive file on this machine, when it was built here."""
    workflow_ref: str | None = None
    """``module:Class`` of the workflow inside the archive (what the runner imports)."""

    def __post_init__(self) -> None:
        if not self.key or self.key.startswith("/"):
            raise UsageError(
                f"code archive key {self.key!r} must be a relative S3 key",
                hint="e.g. axl/code/code-<digest16>.tar.gz",
            )
        if not self.digest.startswith(DIGEST_PREFIX) or digest_hex(self.digest) is None:
            raise UsageError(f"code archive digest {self.digest!r} must look like 'blake3:<hex>'")

    @classmethod
    def of(
        cls,
        archive: ArchiveResult,
        prefix: str,
        *,
        bucket: str | None = None,
        endpoint: str | None = None,
        insecure: bool | None = None,
        secret: str | None = None,
        workflow_ref: str | None = None,
    ) -> CodeLocation:
        """The location of ``archive`` under ``prefix``, its key named by its digest."""
        return cls(
            key=archive_key(prefix, archive.digest),
            digest=format_digest(archive.digest),
            bucket=bucket,
            endpoint=endpoint,
            insecure=insecure,
            secret=secret,
            archive=archive.path,
            workflow_ref=workflow_ref,
        )

    @property
    def uri(self) -> str | None:
        """``s3://bucket/key``, when the bucket is known."""
        return None if self.bucket is None else f"s3://{self.bucket}/{self.key}"


def archive_key(prefix: str, digest: str) -> str:
    """``<prefix>/code-<digest16>.tar.gz`` (just the file name when ``prefix`` is empty)."""
    name = archive_name(digest)
    return f"{prefix}/{name}" if prefix else name


def parse_endpoint(text: str, what: str = "endpoint") -> tuple[str, bool | None]:
    """An S3 endpoint as the pods take it: ``host[:port]`` without a scheme, and ``insecure``
    (True for ``http://``). ``what`` names the argument in the error."""
    from urllib.parse import urlsplit

    parts = urlsplit(text if "://" in text else f"//{text}")
    if (
        parts.scheme not in ("", "http", "https")
        or not parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise UsageError(
            f"{what} {text!r} is not an S3 endpoint",
            hint="pass HOST[:PORT], http://HOST:PORT or https://HOST (no path, no credentials)",
        )
    return parts.netloc, (True if parts.scheme == "http" else None)
