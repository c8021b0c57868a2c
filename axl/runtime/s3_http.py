"""A small S3 client for the runner's start path: GET, HEAD, PUT, DELETE, LIST, signed with SigV4.

Importing boto3 and making a client takes about 0.4 s, more than the rest of
a step's cold start; this client takes the standard library's ``urllib``
(proxies from the environment, as boto3 reads them) and ``hmac``. It signs
with static credentials from the environment (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, optionally ``AWS_SESSION_TOKEN``, each name perhaps
with a caller's prefix: what a pod gets from a Kubernetes Secret) for the
region of ``AWS_REGION`` or ``AWS_DEFAULT_REGION`` (default ``us-east-1``),
addressing buckets path-style. Any other source of credentials (profiles, web
identity, instance roles) is boto3's: :func:`static_credentials` is None then,
and a caller may sign with what boto3 resolves
(:func:`axl.runtime.s3_boto.boto_credentials`), asked again for each request.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import IO

from axl.dataclass_fast import dataclass

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_CODE = re.compile(rb"<Code>([^<]{1,100})</Code>")


@dataclass(frozen=True)
class Credentials:
    """Static AWS credentials."""

    access_key: str
    secret_key: str
    token: str | None = None


CredentialSource = Credentials | Callable[[], Credentials]
"""Fixed credentials, or a function giving the current ones (refreshed as they expire)."""


def static_credentials(
    env: Mapping[str, str] | None = None, prefix: str = ""
) -> Credentials | None:
    """The credentials of the environment's ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``
    (and ``AWS_SESSION_TOKEN``), each name with ``prefix`` before it; None unless both keys."""
    env = os.environ if env is None else env
    access = env.get(f"{prefix}AWS_ACCESS_KEY_ID")
    secret = env.get(f"{prefix}AWS_SECRET_ACCESS_KEY")
    if not access or not secret:
        return None
    return Credentials(access, secret, env.get(f"{prefix}AWS_SESSION_TOKEN") or None)


def region(env: Mapping[str, str] | None = None) -> str:
    """``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else ``us-east-1``."""
    env = os.environ if env is None else env
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    credentials: Credentials,
    region_name: str,
    amz_date: str,
    query: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``headers`` plus the SigV4 ones (``x-amz-date``, ``x-amz-content-sha256``, the token,
    ``Authorization``) for an S3 request; ``amz_date`` is ``YYYYMMDDTHHMMSSZ``.
    """
    parts = urllib.parse.urlsplit(url)
    signed = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed["host"] = parts.netloc
    signed["x-amz-date"] = amz_date
    signed["x-amz-content-sha256"] = payload_sha256
    if credentials.token:
        signed["x-amz-security-token"] = credentials.token
    names = sorted(signed)
    canonical = "\n".join(
        [
            method,
            urllib.parse.quote(urllib.parse.unquote(parts.path) or "/", safe="/~"),
            query_text(query or {}),
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            payload_sha256,
        ]
    )
    scope = f"{amz_date[:8]}/{region_name}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(("AWS4" + credentials.secret_key).encode("utf-8"), amz_date[:8])
    for part in (region_name, "s3", "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    out = {name: value for name, value in signed.items() if name != "host"}
    out["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return out


def query_text(query: Mapping[str, str]) -> str:
    """A query in SigV4's canonical form: sorted, each name and value percent-encoded."""
    return "&".join(
        f"{urllib.parse.quote(name, safe='-_.~')}={urllib.parse.quote(value, safe='-_.~')}"
        for name, value in sorted(query.items())
    )


class S3Failure(Exception):
    """An S3 request failed: ``status`` (0: no answer) and the error ``code`` S3 gave."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


@dataclass(frozen=True)
class Answer:
    """An S3 answer: its headers (lower-case names) and, for a GET, the open body."""

    headers: Mapping[str, str]
    body: IO[bytes] | None


class SignedS3:
    """GET, HEAD, PUT, DELETE and listings, path-style, at ``endpoint`` (None: AWS)."""

    def __init__(
        self, endpoint: str | None, credentials: CredentialSource, region_name: str
    ) -> None:
        self.region = region_name
        self.endpoint = (endpoint or f"https://s3.{region_name}.amazonaws.com").rstrip("/")
        self._credentials = credentials

    @property
    def credentials(self) -> Credentials:
        """The credentials the next request is signed with."""
        given = self._credentials
        return given if isinstance(given, Credentials) else given()

    def url(self, bucket: str, key: str) -> str:
        return f"{self.endpoint}/{bucket}/{urllib.parse.quote(key, safe='/~')}"

    def request(
        self,
        method: str,
        bucket: str,
        key: str,
        *,
        body: IO[bytes] | None = None,
        size: int = 0,
        payload_sha256: str = EMPTY_SHA256,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Answer:
        """Send one request; raises :class:`S3Failure` for an error or no answer."""
        url = self.url(bucket, key)
        given = dict(headers or {})
        if body is not None:
            given["content-length"] = str(size)
            # Else urllib sends a form's content type, and a server may parse the body as one.
            if not any(name.lower() == "content-type" for name in given):
                given["content-type"] = "application/octet-stream"
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        signed = sign(
            method, url, given, payload_sha256, self.credentials, self.region, amz_date, query
        )
        if query:
            url = f"{url}?{query_text(query)}"
        request = urllib.request.Request(url, data=body, method=method, headers=signed)
        try:
            response = urllib.request.urlopen(request, timeout=60)
        except urllib.error.HTTPError as exc:
            data = exc.read(4096) if method != "HEAD" else b""
            exc.close()
            found = _CODE.search(data)
            code = found.group(1).decode("utf-8", "replace") if found else str(exc.code)
            raise S3Failure(exc.code, code, f"HTTP {exc.code} {code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise S3Failure(0, "", f"{type(exc).__name__}: {reason}") from None
        answer_headers = {name.lower(): value for name, value in response.headers.items()}
        if method == "GET":
            return Answer(answer_headers, response)
        response.close()
        return Answer(answer_headers, None)
