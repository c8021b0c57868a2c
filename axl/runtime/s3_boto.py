"""An S3 client of boto3 with bounded retries and timeouts: one recipe for every caller.

boto3 is imported only here and only when called (about 0.4 s); callers that
may run without it catch the :class:`ImportError` and say what to install.
"""

from __future__ import annotations

from typing import Any


def boto_client(endpoint: str | None) -> Any:
    """A boto3 S3 client for ``endpoint`` (path-style when given; AWS otherwise).

    Raises:
        ImportError: boto3 is not installed.
    """
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=10,
        read_timeout=120,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": "path"} if endpoint else {},
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)
