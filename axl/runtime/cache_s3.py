"""The step cache in S3 or MinIO: ``s3://BUCKET/PREFIX``.

An entry is ``<prefix>/<key>/entry.json`` and its files under
``<prefix>/<key>/<writer>/``, a folder of the writer's own (named in the
entry's ``data``). A writer uploads its files first, then ``entry.json`` with
a conditional put (``If-None-Match: *``): the first complete writer wins,
and a later one, refused with 412, removes its own files. Because each
writer's files are its own, an ``entry.json`` always names files that are
whole, even on a store that ignored the condition (the last writer would win
there; moto in server mode and AWS honour it). Requests are signed
(:mod:`axl.runtime.s3_http`) with the store's own static credentials,
``AXL_CACHE_AWS_ACCESS_KEY_ID``/``AXL_CACHE_AWS_SECRET_ACCESS_KEY`` (a pod's,
from ``--cache-secret``), else the standard ``AWS_ACCESS_KEY_ID``/
``AWS_SECRET_ACCESS_KEY``, else what boto3's credential chain finds
(profiles, web identity, instance roles) when boto3 is installed.

A hit overwrites the entry's empty ``last-hit`` object (one small PUT, no
read first), whose time is the entry's last use; S3 keeps no count of hits
(a count would need a read-modify-write per hit, or an object per hit).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from axl.manifest import CACHE_CREDENTIALS_PREFIX
from axl.runtime import s3_http
from axl.runtime.cache_store import (
    ENTRY_FILE,
    LEFTOVER_SECONDS,
    CacheStoreError,
    DamagedEntry,
    EntryInfo,
    describe,
    fetch,
    parse_entry,
    write_hashed,
)

_ABSENT = frozenset({"404", "NoSuchKey", "NotFound"})
_KEY_IN_LISTING = re.compile(rb"<Key>([^<]+)</Key>")
_TOKEN = re.compile(r"[0-9a-f]{16}")
_CONTENTS = re.compile(rb"<Contents>(.*?)</Contents>", re.DOTALL)
_SIZE = re.compile(rb"<Size>([0-9]+)</Size>")
_MODIFIED = re.compile(rb"<LastModified>([^<]+)</LastModified>")
HIT_MARKER = "last-hit"
"""An entry's empty object that each hit overwrites: its time is the last use."""
_READERS = 8


class S3Store:
    """Write-once entries under an ``s3://BUCKET/PREFIX``."""

    counts_hits = False

    def __init__(self, url: str, *, endpoint: str | None = None) -> None:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise CacheStoreError(
                f"cache store {url!r} names no bucket", hint="write s3://BUCKET/PREFIX"
            )
        self.url = url
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint = (
            endpoint
            or os.environ.get("AWS_ENDPOINT_URL_S3")
            or os.environ.get("AWS_ENDPOINT_URL")
            or None
        )
        self._client: s3_http.SignedS3 | None = None

    @property
    def client(self) -> s3_http.SignedS3:
        if self._client is None:
            credentials = (
                s3_http.static_credentials(prefix=CACHE_CREDENTIALS_PREFIX)
                or s3_http.static_credentials()
            )
            if credentials is not None:
                self._client = s3_http.SignedS3(self.endpoint, credentials, s3_http.region())
            else:
                source, region = self._chain()
                self._client = s3_http.SignedS3(self.endpoint, source, region)
        return self._client

    def _chain(self) -> tuple[s3_http.CredentialSource, str]:
        """boto3's credentials and region, for a store without static keys."""
        keys = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        names = f"{keys} (or the store's own {CACHE_CREDENTIALS_PREFIX}AWS_...)"
        try:
            from axl.runtime.s3_boto import boto_credentials

            found = boto_credentials()
        except ImportError:
            raise CacheStoreError(
                f"the cache store {self.url} has no credentials: set {names}",
                hint="or install boto3 (pip install 'axl-workflows[s3]') for AWS profiles "
                "and roles",
            ) from None
        except ValueError as exc:
            raise CacheStoreError(
                f"the cache store {self.url}: boto3 cannot read the AWS credentials: {exc}",
                hint="check AWS_PROFILE and the AWS config and credentials files",
            ) from None
        if found is None:
            raise CacheStoreError(
                f"the cache store {self.url} has no credentials: set {names}, or AWS_PROFILE",
                hint="boto3 found none in the environment, the AWS config files, or a role",
            )
        source, profile_region = found
        explicit = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        return source, explicit or profile_region or s3_http.region()

    def _key(self, *parts: str) -> str:
        return "/".join((self.prefix, *parts) if self.prefix else parts)

    def _call(self, method: str, key: str, **kw: Any) -> s3_http.Answer | None:
        try:
            return self.client.request(method, self.bucket, key, **kw)
        except s3_http.S3Failure as exc:
            if exc.code in _ABSENT:
                return None
            if exc.status == 412:
                raise
            where = self.endpoint or "S3"
            raise CacheStoreError(
                f"cannot {method} s3://{self.bucket}/{key} at {where}: {exc.detail}",
                hint="check the endpoint, the bucket and the AWS credentials",
            ) from None

    def get(self, key: str, into: Path) -> dict[str, Any] | None:
        entry = fetch(self, key, into)
        if entry is not None:
            self.record_hit(key)
        return entry

    def entry(self, key: str) -> dict[str, Any] | None:
        answer = self._call("GET", self._key(key, ENTRY_FILE))
        if answer is None:
            return None
        assert answer.body is not None
        with answer.body:
            text = answer.body.read()
        entry = parse_entry(text, f"{self.url}/{key}/{ENTRY_FILE}")
        token = entry.get("data")
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            raise DamagedEntry(f"{self.url}/{key}/{ENTRY_FILE} names no data folder")
        return entry

    def copy_into(self, key: str, entry: Mapping[str, Any], name: str, fd: int) -> str:
        token = entry["data"]
        found = self._call("GET", self._key(key, token, name))
        if found is None:
            raise DamagedEntry(f"{self.url}/{key}/{token}/{name} is missing")
        assert found.body is not None
        try:
            with found.body:
                return write_hashed(found.body.read, fd)
        except OSError as exc:
            raise DamagedEntry(f"cannot download {key}/{token}/{name}: {exc}") from None

    def put(self, key: str, entry: Mapping[str, Any], files: Mapping[str, Path]) -> bool:
        if self._call("HEAD", self._key(key, ENTRY_FILE)) is not None:
            return False
        token = secrets.token_hex(8)
        for name, path in files.items():
            self._upload(self._key(key, token, name), path.read_bytes())
        body = json.dumps({**entry, "data": token}, sort_keys=True).encode()
        try:
            self._upload(self._key(key, ENTRY_FILE), body, {"if-none-match": "*"})
        except s3_http.S3Failure:  # 412: another writer's entry is complete
            for name in files:
                self._call("DELETE", self._key(key, token, name))
            return False
        return True

    def _upload(self, key: str, data: bytes, headers: Mapping[str, str] | None = None) -> None:
        import io

        self._call(
            "PUT", key, body=io.BytesIO(data), size=len(data),
            payload_sha256=hashlib.sha256(data).hexdigest(), headers=headers,
        )  # fmt: skip

    def keys(self) -> list[str]:
        suffix = "/" + ENTRY_FILE
        return sorted(
            name.removesuffix(suffix).rpartition("/")[2]
            for name, _, _ in self._objects(self._key(""))
            if name.endswith(suffix)
        )

    def remove(self, key: str) -> None:
        names = [name for name, _, _ in self._objects(self._key(key, ""))]
        entry = self._key(key, ENTRY_FILE)
        for name in sorted(names, key=lambda n: n != entry):  # entry.json first: no reader trusts
            self._call("DELETE", name)

    def record_hit(self, key: str) -> None:
        with contextlib.suppress(CacheStoreError, s3_http.S3Failure):  # read-only keys, say
            self._upload(self._key(key, HIT_MARKER), b"")

    def entries(self) -> list[EntryInfo]:
        folders = self._folders()
        whole = sorted(key for key, objects in folders.items() if ENTRY_FILE in objects)
        with ThreadPoolExecutor(max_workers=_READERS) as pool:
            read = list(pool.map(self._read_entry, whole))
        found = []
        for key, entry in zip(whole, read, strict=True):
            if entry is None:
                continue  # removed meanwhile
            objects = folders[key]
            hit = objects.get(HIT_MARKER)
            size = sum(size for size, _ in objects.values())
            last_hit = hit[1] if hit is not None else None
            made = objects[ENTRY_FILE][1]
            found.append(
                describe(key, entry, size=size, hits=None, last_hit=last_hit, created=made)
            )
        return found

    def sweep(self, older_than: float = LEFTOVER_SECONDS) -> int:
        import time

        swept, now = 0, time.time()
        for key, objects in self._folders().items():
            if ENTRY_FILE in objects or now - max(t for _, t in objects.values()) <= older_than:
                continue
            for name in objects:  # a crashed writer's files, or a hit's mark after a removal
                self._call("DELETE", self._key(key, name))
            swept += 1
        return swept

    def _read_entry(self, key: str) -> object:
        """``key``'s entry JSON (None: gone; ``{}``: unreadable, listed without its fields)."""
        answer = self._call("GET", self._key(key, ENTRY_FILE))
        if answer is None or answer.body is None:
            return None
        with answer.body:
            text = answer.body.read()
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return {}

    def _folders(self) -> dict[str, dict[str, tuple[int, float]]]:
        """Each key folder's objects (name under the folder -> size, time)."""
        start = self._key("")
        folders: dict[str, dict[str, tuple[int, float]]] = {}
        for name, size, modified in self._objects(start):
            key, _, rest = name[len(start) :].partition("/")
            if key and rest:
                folders.setdefault(key, {})[rest] = (size, modified)
        return folders

    def _objects(self, prefix: str) -> list[tuple[str, int, float]]:
        """Every object under ``prefix``: its name, size and time (a listing, page by page)."""
        found: list[tuple[str, int, float]] = []
        query = {"list-type": "2", "prefix": prefix}
        while True:
            answer = self._call("GET", "", query=query)
            if answer is None or answer.body is None:
                return found
            with answer.body:
                text = answer.body.read()
            for block in _CONTENTS.finditer(text):
                name, size, modified = (
                    pattern.search(block.group(1))
                    for pattern in (_KEY_IN_LISTING, _SIZE, _MODIFIED)
                )
                if name is None:
                    continue
                when = (
                    datetime.fromisoformat(modified.group(1).decode()).timestamp()
                    if modified
                    else 0.0
                )
                found.append((name.group(1).decode(), int(size.group(1)) if size else 0, when))
            more = re.search(rb"<NextContinuationToken>([^<]+)<", text)
            if more is None:
                return found
            query = {**query, "continuation-token": more.group(1).decode()}
