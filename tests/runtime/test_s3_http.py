"""The runner's own S3 client: SigV4 as AWS documents it and botocore computes it.

Signatures are checked against AWS's published examples and against
botocore's signer; requests go to the moto server of ``tests/fixtures/s3.py``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from axl.manifest import EnvStore
from axl.runtime.env_store import EnvBucket, EnvStoreError
from axl.runtime.s3_http import EMPTY_SHA256, Credentials, SignedS3, sign, static_credentials

ROOT = Path(__file__).resolve().parents[2]
AWS_EXAMPLE = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def test_the_get_object_example_of_the_aws_docs():
    headers = sign(
        "GET", "https://examplebucket.s3.amazonaws.com/test.txt", {"Range": "bytes=0-9"},
        EMPTY_SHA256, AWS_EXAMPLE, "us-east-1", "20130524T000000Z",
    )  # fmt: skip
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_the_put_object_example_of_the_aws_docs():
    payload = hashlib.sha256(b"Welcome to Amazon S3.").hexdigest()
    headers = sign(
        "PUT", "https://examplebucket.s3.amazonaws.com/test%24file.text",
        {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"},
        payload, AWS_EXAMPLE, "us-east-1", "20130524T000000Z",
    )  # fmt: skip
    assert headers["authorization"].endswith(
        "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
    )


@pytest.mark.parametrize("token", [None, "a-session-token"])
@pytest.mark.parametrize("key", ["axl/code/envs/0a1b.tar.gz", "odd key+name~/x=y.tar.gz"])
def test_signatures_are_botocores(key, token):
    from botocore import auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    client = SignedS3("http://127.0.0.1:9000", Credentials("AK", "SK", token), "eu-west-1")
    url = client.url("my-bucket", key)
    body = b"an env archive"
    given = {
        "content-type": "application/gzip",
        "x-amz-meta-blake3": "ab" * 32,
        "content-length": str(len(body)),
    }
    request = AWSRequest(method="PUT", url=url, headers=dict(given), data=body)
    now = datetime.datetime(2026, 1, 2, 3, 4, 5)
    with mock.patch.object(auth, "get_current_datetime", return_value=now):
        auth.S3SigV4Auth(BotoCredentials("AK", "SK", token), "s3", "eu-west-1").add_auth(request)
    mine = sign(
        "PUT",
        url,
        given,
        hashlib.sha256(body).hexdigest(),
        client.credentials,
        "eu-west-1",
        "20260102T030405Z",
    )
    assert mine["authorization"] == request.headers["Authorization"]


def test_only_static_credentials_are_taken_from_the_environment():
    assert static_credentials({"AWS_ACCESS_KEY_ID": "a"}) is None
    assert static_credentials(
        {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"}
    ) == Credentials("a", "s")
    assert static_credentials(
        {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}
    ) == Credentials("a", "s", "t")


def _bucket_client(s3_bucket) -> EnvBucket:
    return EnvBucket(EnvStore(uri=f"s3://{s3_bucket.name}/envs", endpoint=s3_bucket.endpoint_url))


def test_put_head_and_get_through_the_store(s3_bucket, tmp_path: Path):
    store = _bucket_client(s3_bucket)
    archive = tmp_path / "env.tar.gz"
    archive.write_bytes(b"not really a tar" * 1000)
    assert not store.has("k1")
    assert store.fetch("k1", tmp_path / "absent") is None
    store.put("k1", archive, "cd" * 32)
    assert store.has("k1")
    head = s3_bucket.client.head_object(Bucket=s3_bucket.name, Key="envs/k1.tar.gz")
    assert (head["Metadata"], head["ContentType"]) == ({"blake3": "cd" * 32}, "application/gzip")
    assert store.fetch("k1", tmp_path / "got") == "cd" * 32
    assert (tmp_path / "got").read_bytes() == archive.read_bytes()


def test_a_missing_bucket_and_bad_credentials_are_errors(s3_bucket, tmp_path: Path, monkeypatch):
    missing = EnvBucket(
        EnvStore(uri="s3://axl-no-such-bucket/envs", endpoint=s3_bucket.endpoint_url)
    )
    with pytest.raises(
        EnvStoreError,
        match=r"cannot read env s3://axl-no-such-bucket/envs/k\.tar\.gz: .* answered NoSuchBucket",
    ):
        missing.fetch("k", tmp_path / "x")
    (tmp_path / "a").write_bytes(b"x")
    with pytest.raises(EnvStoreError, match="cannot write env .* answered NoSuchBucket"):
        missing.put("k", tmp_path / "a", "00" * 32)


def test_static_credentials_never_import_boto3(s3_bucket, tmp_path: Path):
    _bucket_client(s3_bucket).put("k2", _file(tmp_path), "ef" * 32)
    code = (
        "import sys, json; from pathlib import Path; from axl.manifest import EnvStore; "
        "from axl.runtime.env_store import EnvBucket; "
        f"b = EnvBucket(EnvStore(uri='s3://{s3_bucket.name}/envs', endpoint='{s3_bucket.endpoint_url}')); "
        f"d = b.fetch('k2', Path({str(tmp_path / 'out')!r})); "
        "print(json.dumps([d, 'boto3' in sys.modules or 'botocore' in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert json.loads(out.stdout) == ["ef" * 32, False]


def test_other_credentials_go_through_boto3(s3_bucket, tmp_path: Path, monkeypatch):
    (tmp_path / "credentials").write_text(
        f"[default]\naws_access_key_id = {s3_bucket.server.env['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {s3_bucket.server.env['AWS_SECRET_ACCESS_KEY']}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    store = _bucket_client(s3_bucket)
    store.put("k3", _file(tmp_path), "12" * 32)
    assert type(store.transport).__name__ == "_Boto3"
    assert store.has("k3") and not store.has("k4")
    assert store.fetch("k3", tmp_path / "got") == "12" * 32


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "archive.tar.gz"
    path.write_bytes(b"bytes of an env")
    return path
