"""Argo's artifact driver, played on the host: fetch an input artifact's S3 object.

A template input artifact with an ``s3`` location is read either from the
location it names (``endpoint`` + ``bucket``, credentials from the Secrets
it references) or, when it gives only a ``key``, from the workflow's
artifact repository, as Argo resolves "key-only" artifacts. The Secrets are
a mapping the test supplies, as a cluster holds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ArtifactRepository:
    """The cluster's default S3 artifact repository (what key-only artifacts read)."""

    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str


@dataclass(frozen=True)
class ArtifactDriver:
    """Downloads S3 input artifacts for the controller double."""

    repository: ArtifactRepository | None = None
    secrets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Kubernetes Secrets: name -> key -> value."""

    def fetch(self, s3: Mapping[str, Any], dest: Path) -> Path:
        """Download the object an artifact's ``s3`` location names to the file ``dest``."""
        endpoint_url, bucket, access, secret = self._location(s3)
        dest.parent.mkdir(parents=True, exist_ok=True)
        _client(endpoint_url, access, secret).download_file(bucket, s3["key"], str(dest))
        return dest

    def _location(self, s3: Mapping[str, Any]) -> tuple[str, str, str, str]:
        if "endpoint" not in s3 and "bucket" not in s3:
            assert self.repository is not None, (
                f"key-only artifact {s3} needs an artifact repository"
            )
            repo = self.repository
            return repo.endpoint_url, repo.bucket, repo.access_key, repo.secret_key
        assert "endpoint" in s3 and "bucket" in s3, (
            f"an S3 location needs endpoint and bucket: {s3}"
        )
        scheme = "http" if s3.get("insecure") else "https"
        return (
            f"{scheme}://{s3['endpoint']}",
            s3["bucket"],
            self._secret(s3["accessKeySecret"]),
            self._secret(s3["secretKeySecret"]),
        )

    def _secret(self, ref: Mapping[str, str]) -> str:
        secret = self.secrets.get(ref["name"])
        assert secret is not None and ref["key"] in secret, f"no Secret key {ref} in the cluster"
        return secret[ref["key"]]


def _client(endpoint_url: str, access_key: str, secret_key: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session(
        aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name="us-east-1"
    ).client(
        "s3",
        endpoint_url=endpoint_url,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
