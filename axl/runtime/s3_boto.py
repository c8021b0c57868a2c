"""An S3 client of boto3 with bounded retries and timeouts: one recipe for every caller;
and boto3's credential chain for callers that sign requests themselves.

boto3 is imported only here and only when called (about 0.4 s); callers that
may run without it catch the :class:`ImportError` and say what to install.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axl.runtime.s3_http import Credentials, S3Failure


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


def boto_credentials() -> tuple[Callable[[], Credentials], str | None] | None:
    """What boto3's credential chain finds (the environment, ``AWS_PROFILE`` and the shared
    config and credentials files, web identity, container and instance roles), as a
    function giving the current credentials (refreshed before they expire), and the
    profile's region; None when it finds none.

    Raises:
        ImportError: boto3 is not installed.
        ValueError: boto3 cannot read a source it was pointed at (a profile that is not
            there, a credential process that fails); the text says which.
    """
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.session.Session()
        found = session.get_credentials()
    except BotoCoreError as exc:
        raise ValueError(str(exc)) from None
    if found is None:
        return None

    def current() -> Credentials:
        try:
            frozen = found.get_frozen_credentials()
        except BotoCoreError as exc:  # a role's refresh failed: this request fails
            raise S3Failure(0, "", f"cannot refresh the AWS credentials: {exc}") from None
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token or None)

    try:
        current()
    except S3Failure as exc:
        raise ValueError(exc.detail) from None
    return current, session.region_name
