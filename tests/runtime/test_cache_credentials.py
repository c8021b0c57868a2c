"""Whose keys sign the cache store's requests: its own (``AXL_CACHE_AWS_*``, a pod's from
``--cache-secret``), else the standard ``AWS_*``, else boto3's chain (a profile here), else a
one-line error saying what to set; the env store beside it keeps the standard pair.

A small HTTP server on 127.0.0.1 records the access key of each request's SigV4
``Authorization`` header (and answers every one with 404 NoSuchKey); moto serves the
round trip with a profile's keys.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from axl.manifest import EnvStore
from axl.runtime.cache_s3 import S3Store
from axl.runtime.cache_store import CacheStoreError
from axl.runtime.env_store import EnvBucket

KEY = "ab" * 32
_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/s3/")


@dataclass
class Recorder:
    """What the server saw: (method, path, access key, region) per request."""

    url: str
    seen: list[tuple[str, str, str, str]] = field(default_factory=list)

    def keys_under(self, prefix: str) -> set[str]:
        return {key for _, path, key, _ in self.seen if path.startswith(prefix)}


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    found = Recorder(url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            signed = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            key, region = signed.groups() if signed else ("", "")
            found.seen.append((self.command, self.path, key, region))
            body = b"<Error><Code>NoSuchKey</Code></Error>"
            self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_PUT = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No AWS settings but empty config files of the test's own, and no metadata service."""
    import os

    for name in list(os.environ):
        if name.startswith(("AWS_", "AXL_CACHE_")):
            monkeypatch.delenv(name)
    (tmp_path / "aws-config").write_text("")
    (tmp_path / "aws-credentials").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


def _pairs(monkeypatch: pytest.MonkeyPatch, **pairs: str) -> None:
    for prefix, key in pairs.items():
        start = "" if prefix == "standard" else "AXL_CACHE_"
        monkeypatch.setenv(f"{start}AWS_ACCESS_KEY_ID", key)
        monkeypatch.setenv(f"{start}AWS_SECRET_ACCESS_KEY", f"{key}-secret")


def test_each_client_signs_with_its_own_pair(
    recorder: Recorder, clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A warm_env pod with --cache-secret other than --s3-secret gets both pairs."""
    _pairs(monkeypatch, standard="archive-key", cache="cache-key")
    assert S3Store("s3://bucket/cache", endpoint=recorder.url).entry(KEY) is None
    envs = EnvBucket(EnvStore(uri="s3://bucket/envs", endpoint=recorder.url))
    assert envs.fetch("some-env", tmp_path / "env.tar.gz") is None
    assert recorder.keys_under("/bucket/cache/") == {"cache-key"}
    assert recorder.keys_under("/bucket/envs/") == {"archive-key"}


def test_without_its_own_pair_the_cache_store_uses_the_standard_one(
    recorder: Recorder, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pairs(monkeypatch, standard="archive-key")
    monkeypatch.setenv("AXL_CACHE_AWS_ACCESS_KEY_ID", "half a pair is none")
    assert S3Store("s3://bucket/cache", endpoint=recorder.url).entry(KEY) is None
    assert recorder.keys_under("/bucket/cache/") == {"archive-key"}


def _profile(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "aws-config").write_text("[profile axl-cache]\nregion = eu-west-3\n")
    (folder / "aws-credentials").write_text(
        "[axl-cache]\naws_access_key_id = profile-key\naws_secret_access_key = profile-secret\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "axl-cache")


def test_without_static_keys_a_profile_signs(
    recorder: Recorder, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("boto3")
    _profile(clean_env, monkeypatch)
    assert S3Store("s3://bucket/cache", endpoint=recorder.url).entry(KEY) is None
    assert {(key, region) for _, _, key, region in recorder.seen} == {("profile-key", "eu-west-3")}


def test_a_profile_stores_and_reads_an_entry_in_moto(
    s3_bucket: Any, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("boto3")  # clean_env, after s3_bucket, unset its keys
    _profile(clean_env, monkeypatch)
    store = S3Store(f"{s3_bucket.uri}/cache", endpoint=s3_bucket.endpoint_url)
    data = clean_env / "d.bin"
    data.write_bytes(b"payload")
    assert store.put(KEY, {"key": KEY, "files": {"out.bin": "x"}}, {"out.bin": data})
    into = clean_env / "into"
    into.mkdir()
    assert store.get(KEY, into) is not None
    assert (into / "out.bin").read_bytes() == b"payload"
    assert store.client.credentials.access_key == "profile-key"


def test_without_any_credentials_the_error_says_what_to_set(clean_env: Path) -> None:
    pytest.importorskip("boto3")
    with pytest.raises(CacheStoreError) as raised:
        S3Store("s3://bucket/cache", endpoint="http://127.0.0.1:9").entry(KEY)
    assert raised.value.message == (
        "the cache store s3://bucket/cache has no credentials: set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY (or the store's own AXL_CACHE_AWS_...), or AWS_PROFILE"
    )
    assert "\n" not in raised.value.message


def test_without_boto3_the_error_says_what_to_set_and_what_to_install(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 raises ImportError
    with pytest.raises(CacheStoreError) as raised:
        S3Store("s3://bucket/cache").entry(KEY)
    assert raised.value.message == (
        "the cache store s3://bucket/cache has no credentials: set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY (or the store's own AXL_CACHE_AWS_...)"
    )
    assert raised.value.hint is not None and "boto3" in raised.value.hint


def test_a_profile_that_is_not_there_is_named(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("boto3")
    monkeypatch.setenv("AWS_PROFILE", "nowhere")
    with pytest.raises(CacheStoreError, match=r"boto3 cannot read the AWS credentials: .*nowhere"):
        S3Store("s3://bucket/cache").entry(KEY)
