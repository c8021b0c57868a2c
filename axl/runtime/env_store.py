"""The env store: envs packed by the warm step, in S3 next to the code archive.

An env is the object ``<prefix>/<key>.tar.gz`` of the store's ``s3://BUCKET/PREFIX``
(``<code prefix>/envs``), with the archive's blake3 in its metadata
(``x-amz-meta-blake3``); a reader checks the bytes against it before it
extracts anything. Keys name requirement sets, so an object is written once
and read by every later step, pod and run.

With static credentials in the environment (``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, as a pod gets them from a Secret) requests go
through :mod:`axl.runtime.s3_http`, which starts in milliseconds; otherwise
through boto3 (profiles, web identity, instance roles), imported only then.
The endpoint is the store's, else ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import IO, Any, Protocol

from axl.errors import InfrastructureError, MissingDependencyError
from axl.manifest import EnvStore
from axl.runtime import s3_http

_CHUNK = 1024 * 1024
_ABSENT = frozenset({"404", "NoSuchKey", "NotFound"})


class EnvStoreError(InfrastructureError):
    """The env store cannot be reached, or refuses a request."""

    code = "env_store"


class Failure(Exception):
    """A request failed: the store's error ``code`` ("" when it did not answer), a detail."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


class _Transport(Protocol):
    def get(self, bucket: str, key: str) -> tuple[str | None, IO[bytes]] | None: ...
    def has(self, bucket: str, key: str) -> bool: ...
    def put(self, bucket: str, key: str, archive: Path, digest: str) -> None: ...


class EnvBucket:
    """The envs of one :class:`~axl.manifest.EnvStore`."""

    def __init__(self, store: EnvStore) -> None:
        bucket, _, prefix = store.uri.removeprefix("s3://").partition("/")
        self.store = store
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint = (
            store.endpoint
            or os.environ.get("AWS_ENDPOINT_URL_S3")
            or os.environ.get("AWS_ENDPOINT_URL")
            or None
        )
        self._transport: _Transport | None = None

    def object_key(self, key: str) -> str:
        """``<prefix>/<key>.tar.gz``."""
        return f"{self.prefix}/{key}.tar.gz" if self.prefix else f"{key}.tar.gz"

    def uri(self, key: str) -> str:
        """``s3://bucket/<prefix>/<key>.tar.gz``."""
        return f"s3://{self.bucket}/{self.object_key(key)}"

    @property
    def transport(self) -> _Transport:
        if self._transport is None:
            credentials = s3_http.static_credentials()
            if credentials is not None:
                client = s3_http.SignedS3(self.endpoint, credentials, s3_http.region())
                self._transport = _Http(client)
            else:
                self._transport = _Boto3(self.endpoint)
        return self._transport

    def fetch(self, key: str, dest: Path) -> str | None:
        """Download the env ``key`` to ``dest``; its blake3 (from the metadata), None if absent."""
        try:
            found = self.transport.get(self.bucket, self.object_key(key))
        except Failure as exc:
            raise self._error(exc, "read", key) from None
        if found is None:
            return None
        digest, body = found
        try:
            with open(dest, "wb") as out:
                while chunk := self._read(body, key):
                    out.write(chunk)
        except OSError as exc:
            raise EnvStoreError(
                f"cannot write {dest} from {self.uri(key)}: {exc.strerror or exc}",
                hint="check that the env cache folder has space",
            ) from None
        finally:
            body.close()
        if not digest:
            raise EnvStoreError(
                f"env {self.uri(key)} carries no blake3 digest in its metadata",
                hint="it was not uploaded by axl: delete it, and the warm step uploads it again",
            )
        return digest

    def _read(self, body: IO[bytes], key: str) -> bytes:
        try:
            return body.read(_CHUNK)
        except Exception as exc:  # the transports' own errors for a broken download
            raise EnvStoreError(
                f"cannot read env {self.uri(key)}: the download broke off: {exc}",
                hint="check the network to the store, and run the step again",
            ) from None

    def has(self, key: str) -> bool:
        """Whether the env ``key`` is in the store."""
        try:
            return self.transport.has(self.bucket, self.object_key(key))
        except Failure as exc:
            raise self._error(exc, "look up", key) from None

    def put(self, key: str, archive: Path, digest: str) -> None:
        """Upload the packed env ``key`` (hex blake3 ``digest``)."""
        try:
            self.transport.put(self.bucket, self.object_key(key), archive, digest)
        except OSError as exc:
            raise EnvStoreError(f"cannot read {archive}: {exc.strerror or exc}") from None
        except Failure as exc:
            raise self._error(exc, "write", key) from None

    def _error(self, exc: Failure, action: str, key: str) -> EnvStoreError:
        where = self.endpoint or "S3"
        if exc.code:
            return EnvStoreError(
                f"cannot {action} env {self.uri(key)}: {where} answered {exc.code}",
                hint="check the bucket, its region (AWS_REGION), and that the pod's "
                "credentials may read and write it",
            )
        return EnvStoreError(
            f"cannot {action} env {self.uri(key)} at {where}: {exc.detail}",
            hint="check the endpoint, the network and the pod's AWS credentials",
        )


class _Http:
    """Requests through :class:`axl.runtime.s3_http.SignedS3`."""

    def __init__(self, client: s3_http.SignedS3) -> None:
        self.client = client

    def _call(self, method: str, bucket: str, key: str, **kw: Any) -> s3_http.Answer | None:
        try:
            return self.client.request(method, bucket, key, **kw)
        except s3_http.S3Failure as exc:
            if exc.code in _ABSENT:  # a HEAD's 404 has no body: "404"
                return None
            raise Failure(exc.code if exc.status else "", exc.detail) from None

    def get(self, bucket: str, key: str) -> tuple[str | None, IO[bytes]] | None:
        answer = self._call("GET", bucket, key)
        if answer is None:
            return None
        assert answer.body is not None
        return answer.headers.get("x-amz-meta-blake3"), answer.body

    def has(self, bucket: str, key: str) -> bool:
        return self._call("HEAD", bucket, key) is not None

    def put(self, bucket: str, key: str, archive: Path, digest: str) -> None:
        sha = hashlib.sha256()
        with open(archive, "rb") as body:
            while chunk := body.read(_CHUNK):
                sha.update(chunk)
            size = body.tell()
            body.seek(0)
            headers = {"content-type": "application/gzip", "x-amz-meta-blake3": digest}
            answer = self._call(
                "PUT", bucket, key, body=body, size=size, payload_sha256=sha.hexdigest(),
                headers=headers,
            )  # fmt: skip
        if answer is None:
            raise Failure("NoSuchBucket", f"the bucket {bucket} does not exist")


class _Boto3:
    """Requests through boto3, for credentials other than static ones."""

    def __init__(self, endpoint: str | None) -> None:
        self.client = _make_client(endpoint)

    def _run(self, call: Any, **kw: Any) -> Any:
        try:
            return call(**kw)
        except Exception as exc:
            if not type(exc).__module__.startswith(("botocore", "boto3", "urllib3")):
                raise
            response = getattr(exc, "response", None)
            code = (
                str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
            )
            if code in _ABSENT:
                return None
            raise Failure(code, f"{type(exc).__name__}: {exc}") from None

    def get(self, bucket: str, key: str) -> tuple[str | None, IO[bytes]] | None:
        answer = self._run(self.client.get_object, Bucket=bucket, Key=key)
        if answer is None:
            return None
        return answer.get("Metadata", {}).get("blake3"), answer["Body"]

    def has(self, bucket: str, key: str) -> bool:
        return self._run(self.client.head_object, Bucket=bucket, Key=key) is not None

    def put(self, bucket: str, key: str, archive: Path, digest: str) -> None:
        with open(archive, "rb") as body:
            self._run(
                self.client.put_object, Bucket=bucket, Key=key, Body=body,
                ContentType="application/gzip", Metadata={"blake3": digest},
            )  # fmt: skip


def _make_client(endpoint: str | None) -> Any:
    from axl.runtime.s3_boto import boto_client

    try:
        return boto_client(endpoint)
    except ImportError:
        raise MissingDependencyError(
            "sharing envs through S3 without AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the "
            "environment needs boto3, which this image lacks",
            hint="give the pods the store's keys from a Secret, or use a runner image with "
            "the s3 extra (AXL_EXTRAS=s3)",
        ) from None
