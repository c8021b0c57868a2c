"""``axl run local --cache-endpoint URL``: the S3 endpoint of a local run's cache store (moto on
127.0.0.1), without ``AWS_ENDPOINT_URL``; a bad endpoint, or one for a folder store, is a
one-line usage error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.runtime.cache_project import make_project, statuses


def test_a_local_run_reaches_its_store_at_the_endpoint(s3_bucket: Any, tmp_path: Path) -> None:
    project = make_project(tmp_path)
    keys = {k: v for k, v in s3_bucket.server.env.items() if not k.startswith("AWS_ENDPOINT")}
    flags = ("--cache-store", f"{s3_bucket.uri}/axl/cache", "--cache-endpoint")
    first = project.run(*flags, s3_bucket.endpoint_url, env=keys)
    assert first["called"] == ["fixed", "scaled", "source"]
    listed = s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name, Prefix="axl/cache/")
    entries = [o["Key"] for o in listed["Contents"] if o["Key"].endswith("/entry.json")]
    assert len(entries) == 2  # scaled and fixed, stored through the endpoint
    (project.workspace / "runs").rename(tmp_path / "old-runs")
    again = project.run(*flags, s3_bucket.endpoint_url, env=keys)
    assert statuses(again) == {"source": "succeeded", "scaled": "cached", "fixed": "cached"}
    assert again["called"] == ["source"]
    assert "cache_warning" not in again["stderr"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ("--cache-store", "s3://b/c", "--cache-endpoint", "ftp://host"),
            "error: --cache-endpoint 'ftp://host' is not an S3 endpoint",
        ),
        (
            ("--cache-endpoint", "http://127.0.0.1:9000"),
            "error: --cache-endpoint 'http://127.0.0.1:9000' needs an S3 cache store, and this "
            "run's store is the workspace folder",
        ),
    ],
)
def test_a_bad_cache_endpoint_is_a_usage_error(
    tmp_path: Path, extra: tuple[str, ...], message: str
) -> None:
    project = make_project(tmp_path)
    done = project.cli("run", "local", "-m", "flow.py:Flow", *extra)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr.splitlines()
    assert "Traceback" not in done.stderr
    assert not project.calls.exists() or project.calls.read_text() == ""  # nothing ran
