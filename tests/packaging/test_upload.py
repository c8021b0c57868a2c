"""Uploading code archives to a real S3-compatible server (moto, as a subprocess)."""

from __future__ import annotations

import socket
import sys

import pytest
from blake3 import blake3
from botocore.exceptions import ClientError

from axl.errors import MissingDependencyError, UsageError
from axl.packaging.archive import build_archive
from axl.packaging.upload import (
    StorageError,
    _storage_error,
    download_archive,
    parse_bucket_uri,
    upload_archive,
)
from axl.runtime.extract import extract_archive


@pytest.fixture
def archive(make_tree, tmp_path):
    root = make_tree({"flows/train.py": "print('train')\n", "README.md": "hi\n"})
    return build_archive(root, tmp_path / "archives")


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3://bucket", ("bucket", "")),
        ("s3://bucket/", ("bucket", "")),
        ("s3://my.bucket-1/team/flows/", ("my.bucket-1", "team/flows")),
        ("  s3://bkt//a//b  ", ("bkt", "a/b")),
    ],
)
def test_parse_bucket_uri(uri, expected):
    assert parse_bucket_uri(uri) == expected


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("bucket/prefix", "does not start with s3://"),
        ("gs://bucket", "does not start with s3://"),
        ("s3://", "names no valid bucket"),
        ("s3://Bad_Bucket", r"names no valid bucket \('Bad_Bucket'\)"),
        ("s3://ab", "names no valid bucket"),
        ("s3://a..b", "names no valid bucket"),
        ("s3://bucket/../x", r"has a '\.' or '\.\.' in its prefix"),
    ],
)
def test_parse_bucket_uri_errors(uri, message):
    with pytest.raises(UsageError, match=message):
        parse_bucket_uri(uri)


def test_upload_is_content_addressed_and_skipped_when_present(archive, s3_bucket, tmp_path):
    first = upload_archive(archive, s3_bucket.uri, endpoint_url=s3_bucket.endpoint_url)
    assert first.uploaded is True
    assert first.bucket == s3_bucket.name
    assert first.key == f"code-{archive.digest[:16]}.tar.gz" == archive.name
    assert first.uri == f"s3://{s3_bucket.name}/{archive.name}"
    head = s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=first.key)
    assert head["Metadata"] == {"blake3": archive.digest}
    assert head["ContentLength"] == archive.size

    again = upload_archive(archive, s3_bucket.uri, endpoint_url=s3_bucket.endpoint_url)
    assert again.uploaded is False
    assert again.key == first.key

    copy = download_archive(
        s3_bucket.name,
        first.key,
        tmp_path / "dl" / "code.tar.gz",
        endpoint_url=s3_bucket.endpoint_url,
    )
    assert copy.read_bytes() == archive.path.read_bytes()
    assert blake3(copy.read_bytes()).hexdigest() == archive.digest
    workdir = extract_archive(copy, tmp_path / "work", expected_digest=archive.digest)
    assert (workdir / "flows" / "train.py").read_text() == "print('train')\n"


def test_upload_by_path_under_a_prefix_with_a_given_client(archive, s3_bucket):
    result = upload_archive(archive.path, f"{s3_bucket.uri}/team/flows/", client=s3_bucket.client)
    assert result.key == f"team/flows/code-{archive.digest[:16]}.tar.gz"
    assert result.uploaded is True
    listed = s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name)["Contents"]
    assert [o["Key"] for o in listed] == [result.key]


def test_missing_bucket_is_one_clear_line(archive, s3_env):
    with pytest.raises(
        StorageError,
        match=r"s3://no-such-bucket-here/code-.*bucket does not exist at http://127\.0\.0\.1",
    ) as caught:
        upload_archive(archive, "s3://no-such-bucket-here", endpoint_url=s3_env.endpoint_url)
    assert caught.value.exit_code == 4
    assert "create the bucket" in str(caught.value)


def test_unreachable_endpoint_is_one_clear_line(archive, s3_env):
    with socket.socket() as sock:  # a port nothing listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(
        StorageError, match=rf"endpoint http://127\.0\.0\.1:{port}/? is unreachable"
    ):
        upload_archive(archive, "s3://bucket", endpoint_url=f"http://127.0.0.1:{port}")


def test_download_of_a_missing_key(s3_bucket, tmp_path):
    with pytest.raises(StorageError, match=rf"no object s3://{s3_bucket.name}/nope\.tar\.gz"):
        download_archive(
            s3_bucket.name, "nope.tar.gz", tmp_path / "x.tar.gz", client=s3_bucket.client
        )
    assert list(tmp_path.iterdir()) == []


def test_access_denied_and_missing_credentials(archive, s3_env, monkeypatch):
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")
    error = _storage_error(denied, "upload to", "s3://b/k", s3_env.client())
    assert str(error).startswith(
        f"cannot upload to s3://b/k: access denied by {s3_env.endpoint_url}"
    )
    assert "check the credentials" in str(error)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(StorageError, match="no usable credentials") as caught:
        upload_archive(archive, "s3://bucket", endpoint_url=s3_env.endpoint_url)
    assert "AWS_ACCESS_KEY_ID" in str(caught.value)


def test_missing_boto3_says_what_to_install(archive, monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'axl-workflows\[s3\]'"):
        upload_archive(archive, "s3://bucket")
