"""A registry on 127.0.0.1 for the image tests: push an image, get its digest, pull it by digest.

No registry can be reached from this machine, and ``axl build-image --push``
reports the digest the registry answers with. This is the part of the OCI
distribution API that podman's push and pull use (``/v2/``, blob uploads in
one or more chunks, blobs and manifests by digest or tag), in memory, over
plain HTTP, in a thread of the test process. Digests are checked as a
registry checks them: an upload whose bytes do not hash to the digest it
names is refused, and a manifest's digest is the sha256 of its bytes.

podman talks to it as an insecure registry through the ``registries.conf``
that :attr:`Registry.env` points ``CONTAINERS_REGISTRIES_CONF`` at.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

_BLOB = re.compile(r"^/v2/(?P<name>.+)/blobs/(?P<digest>sha256:[0-9a-f]{64})$")
_UPLOADS = re.compile(r"^/v2/(?P<name>.+)/blobs/uploads/(?P<id>[0-9a-f-]*)$")
_MANIFEST = re.compile(r"^/v2/(?P<name>.+)/manifests/(?P<reference>[^/]+)$")
_DEFAULT_MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
_DIGEST = "Docker-Content-Digest"
_Response = tuple[int, dict[str, str], bytes]
_JSON = {"Content-Type": "application/json"}
_NOT_FOUND: _Response = (404, _JSON, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
_DIGEST_INVALID: _Response = (400, _JSON, b'{"errors":[{"code":"DIGEST_INVALID"}]}')


def sha256_digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


@dataclass
class _Store:
    blobs: dict[str, bytes] = field(default_factory=dict)
    uploads: dict[str, bytearray] = field(default_factory=dict)
    manifests: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict)
    """(repository, tag or digest) -> (media type, bytes)."""
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        return

    @property
    def store(self) -> _Store:
        return self.server.store

    def _reply(self, code: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(code)
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers, then the blank line
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:  # noqa: N802 (http.server's names)
        self._reply(*self._get(urlsplit(self.path).path))

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802
        self._body()
        match = _UPLOADS.match(urlsplit(self.path).path)
        if match is None or match["id"]:
            return self._reply(*_NOT_FOUND)
        upload = str(uuid.uuid4())
        with self.store.lock:
            self.store.uploads[upload] = bytearray()
        return self._reply(*self._upload_state(match["name"], upload))

    def do_PATCH(self) -> None:  # noqa: N802
        data = self._body()
        match = _UPLOADS.match(urlsplit(self.path).path)
        if match is None or match["id"] not in self.store.uploads:
            return self._reply(*_NOT_FOUND)
        with self.store.lock:
            self.store.uploads[match["id"]] += data
        return self._reply(*self._upload_state(match["name"], match["id"]))

    def do_PUT(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        data = self._body()
        if (match := _UPLOADS.match(parts.path)) and match["id"] in self.store.uploads:
            self._reply(*self._finish_upload(match, parse_qs(parts.query), data))
        elif match := _MANIFEST.match(parts.path):
            self._reply(*self._put_manifest(match, data))
        else:
            self._reply(*_NOT_FOUND)

    def _get(self, path: str) -> _Response:
        if path in {"/v2", "/v2/"}:
            return 200, {"Content-Type": "application/json"}, b"{}"
        if match := _BLOB.match(path):
            data = self.store.blobs.get(match["digest"])
            return _NOT_FOUND if data is None else (200, {_DIGEST: match["digest"]}, data)
        if match := _MANIFEST.match(path):
            found = self.store.manifests.get((match["name"], match["reference"]))
            if found is None:
                return _NOT_FOUND
            media_type, data = found
            return 200, {"Content-Type": media_type, _DIGEST: sha256_digest(data)}, data
        return _NOT_FOUND

    def _upload_state(self, name: str, upload: str) -> _Response:
        size = len(self.store.uploads[upload])
        headers = {
            "Location": f"/v2/{name}/blobs/uploads/{upload}",
            "Docker-Upload-UUID": upload,
            "Range": f"0-{max(size - 1, 0)}",
        }
        return 202, headers, b""

    def _finish_upload(
        self, match: re.Match[str], query: dict[str, list[str]], data: bytes
    ) -> _Response:
        wanted = query.get("digest", [""])[0]
        with self.store.lock:
            blob = bytes(self.store.uploads.pop(match["id"]) + data)
        if sha256_digest(blob) != wanted:
            return _DIGEST_INVALID
        self.store.blobs[wanted] = blob
        return 201, {"Location": f"/v2/{match['name']}/blobs/{wanted}", _DIGEST: wanted}, b""

    def _put_manifest(self, match: re.Match[str], data: bytes) -> _Response:
        digest = sha256_digest(data)
        reference = match["reference"]
        if reference.startswith("sha256:") and reference != digest:
            return _DIGEST_INVALID
        media_type = self.headers.get("Content-Type") or _DEFAULT_MANIFEST_TYPE
        with self.store.lock:
            for key in {reference, digest}:
                self.store.manifests[(match["name"], key)] = (media_type, data)
        return 201, {"Location": f"/v2/{match['name']}/manifests/{digest}", _DIGEST: digest}, b""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, store: _Store) -> None:
        self.store = store
        super().__init__(("127.0.0.1", 0), _Handler)


@dataclass(frozen=True)
class Registry:
    """A running registry: its ``HOST:PORT`` and the environment podman needs to use it."""

    host: str
    env: dict[str, str]
    """``CONTAINERS_REGISTRIES_CONF``: this registry, insecure (plain HTTP)."""
    store: _Store = field(repr=False)

    def manifest_digests(self, repository: str) -> set[str]:
        """The digests of the manifests pushed to ``repository`` (``HOST:PORT/`` left out)."""
        return {
            ref
            for name, ref in self.store.manifests
            if name == repository and ref.startswith("sha256:")
        }


@contextmanager
def local_registry(folder: Path) -> Iterator[Registry]:
    """Serve a registry on 127.0.0.1 (a free port) until the block ends.

    ``folder`` receives the ``registries.conf`` that marks it insecure.
    """
    store = _Store()
    server = _Server(store)
    host = f"127.0.0.1:{server.server_address[1]}"
    conf = folder / "registries.conf"
    conf.write_text(
        f'unqualified-search-registries = []\n\n[[registry]]\nlocation = "{host}"\ninsecure = true\n'
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield Registry(host, {"CONTAINERS_REGISTRIES_CONF": str(conf)}, store)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
