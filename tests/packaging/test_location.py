"""The code location: one model of where an archive is stored and how the pods reach it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from axl.compiler.argo import ArgoCodeArchive, SecretKey
from axl.digests import DIGEST_PREFIX
from axl.errors import UsageError
from axl.packaging import ArchiveResult, CodeLocation, archive_key, parse_endpoint

HEX = "ab" * 32


def _archive(tmp_path: Path) -> ArchiveResult:
    return ArchiveResult(
        path=tmp_path / "code.tar.gz", digest=HEX, size=10, files=1, uncompressed_size=5
    )


def test_a_location_is_named_by_the_archives_digest(tmp_path: Path) -> None:
    location = CodeLocation.of(
        _archive(tmp_path), "axl/code", bucket="team", workflow_ref="flows.a:A"
    )

    assert location.key == f"axl/code/code-{HEX[:16]}.tar.gz"
    assert location.digest == f"{DIGEST_PREFIX}{HEX}"
    assert location.uri == f"s3://team/axl/code/code-{HEX[:16]}.tar.gz"
    assert location.archive == tmp_path / "code.tar.gz"
    assert location.workflow_ref == "flows.a:A"
    assert archive_key("", HEX) == f"code-{HEX[:16]}.tar.gz"


def test_without_an_endpoint_the_pods_read_the_key_from_the_artifact_repository(
    tmp_path: Path,
) -> None:
    location = CodeLocation.of(_archive(tmp_path), "p", bucket="team", secret="creds")

    argo = ArgoCodeArchive.at(location)

    assert (argo.key, argo.bucket, argo.endpoint, argo.insecure) == (location.key, None, None, None)
    assert argo.digest == location.digest


def test_with_an_endpoint_the_pods_read_that_bucket_with_the_named_secret(
    tmp_path: Path,
) -> None:
    host, insecure = parse_endpoint("http://minio.minio.svc:9000")
    location = CodeLocation.of(
        _archive(tmp_path), "p", bucket="team", endpoint=host, insecure=insecure, secret="creds"
    )

    argo = ArgoCodeArchive.at(location)

    assert (argo.bucket, argo.endpoint, argo.insecure) == ("team", "minio.minio.svc:9000", True)
    assert argo.access_key_secret == SecretKey("creds", "accessKey")
    assert argo.secret_key_secret == SecretKey("creds", "secretKey")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("minio:9000", ("minio:9000", None)),
        ("https://s3.example.com", ("s3.example.com", None)),
        ("http://10.0.0.1:9000/", ("10.0.0.1:9000", True)),
    ],
)
def test_an_endpoint_loses_its_scheme(text: str, expected: tuple[str, bool | None]) -> None:
    assert parse_endpoint(text) == expected


@pytest.mark.parametrize(
    "text", ["ftp://host", "http://host/path", "https://user:pw@host", "http://", "h?x=1"]
)
def test_a_bad_endpoint_is_named_in_one_line(text: str) -> None:
    message = f"code_endpoint {text!r} is not an S3 endpoint"
    with pytest.raises(UsageError, match="^" + re.escape(message)):
        parse_endpoint(text, "code_endpoint")


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"key": "/abs", "digest": f"blake3:{HEX}"}, "must be a relative S3 key"),
        ({"key": "", "digest": f"blake3:{HEX}"}, "must be a relative S3 key"),
        ({"key": "k", "digest": HEX}, "must look like 'blake3:<hex>'"),
        ({"key": "k", "digest": "blake3:xyz"}, "must look like 'blake3:<hex>'"),
    ],
)
def test_an_invalid_location_is_refused(fields: dict[str, str], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        CodeLocation(**fields)


def test_a_location_holds_a_secret_name_never_a_credential() -> None:
    fields = set(CodeLocation.__dataclass_fields__)

    assert "secret" in fields
    assert not fields & {"access_key", "secret_key", "password", "token"}
