"""What the step cache warns of: an unreachable store once per run, an entry that vanished
while it was read (``axl cache gc``) as vanished, not damaged; each a miss, never a failure."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from axl.manifest import Manifest
from axl.runtime.api import run_local
from axl.runtime.cache_s3 import S3Store
from axl.runtime.cache_store import FolderStore
from tests.runtime.workflows import ThreeCached


def _closed_endpoint() -> str:
    """An endpoint on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _warnings(run_dir: str) -> list[dict[str, Any]]:
    found = []
    for log in sorted(Path(run_dir).glob("*/step.log")):
        for line in log.read_text().splitlines():
            if line.startswith("{") and '"cache_warning"' in line:
                found.append(json.loads(line))
    return found


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Static keys (no S3 server checks them here: none is reached)."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")


@pytest.mark.parametrize("isolation", ["worker", "fork", "subprocess"])
def test_an_unreachable_store_warns_once_a_run_and_every_step_runs(
    tmp_path: Path, keys: None, isolation: str
) -> None:
    ledger = tmp_path / "ledger"
    result = run_local(
        ThreeCached, {"ledger": str(ledger)}, workspace=tmp_path / "ws", isolation=isolation,
        cache_store="s3://unreachable/cache", cache_endpoint=_closed_endpoint(),
    )  # fmt: skip
    assert result.ok and result.value is not None
    assert sorted(ledger.read_text().split()) == ["first", "second", "third"]
    (warning,) = _warnings(result.record.run_dir)
    assert warning["level"] == "warning"
    assert warning["message"].startswith("cannot read the cache store s3://unreachable/cache: ")
    assert "Connection refused" in warning["message"]
    assert f"not used again in run {result.run_id}" in warning["message"]
    again = run_local(
        ThreeCached, {"ledger": str(ledger)}, workspace=tmp_path / "ws", isolation=isolation,
        cache_store="s3://unreachable/cache", cache_endpoint=_closed_endpoint(),
    )  # fmt: skip
    assert len(_warnings(again.record.run_dir)) == 1  # the next run tries the store again


def test_a_runner_warns_once_when_the_store_is_unreachable(tmp_path: Path, keys: None) -> None:
    """A pod's runner: the failed read is the one warning; the step runs and is not stored."""
    ledger = tmp_path / "ledger"
    done = run_local(
        ThreeCached, {"ledger": str(ledger)}, workspace=tmp_path / "ws", isolation="subprocess"
    )
    manifest = Manifest.from_json(
        (Path(done.record.run_dir) / "third" / "manifest.json").read_text()
    )
    assert manifest.cache is not None
    unreachable = dataclasses.replace(
        manifest.cache, store="s3://unreachable/cache", endpoint=_closed_endpoint()
    )
    path = tmp_path / "manifest.json"
    path.write_text(dataclasses.replace(manifest, cache=unreachable).to_json())
    ran = subprocess.run(
        [sys.executable, "-m", "axl.runtime", "run", "--manifest", str(path), "--no-fsync"],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    events = [json.loads(line) for line in ran.stderr.splitlines() if line.startswith("{")]
    assert [e["status"] for e in events] == ["started", "cache_warning", "succeeded"]
    assert events[-1]["cache"]["status"] == "miss" and events[-1]["cache"]["stored"] is False
    assert ledger.read_text().split().count("third") == 2  # called again, by the runner


def _removed_while_read(monkeypatch: pytest.MonkeyPatch, store_class: Any) -> list[str]:
    """Make the next copy of an entry's file find the entry removed first (as by a gc)."""
    removed: list[str] = []
    copy_into = store_class.copy_into

    def racing(self: Any, key: str, entry: Any, name: str, fd: int) -> str | None:
        if not removed:
            self.remove(key)
            removed.append(key)
        return copy_into(self, key, entry, name, fd)  # type: ignore[no-any-return]

    monkeypatch.setattr(store_class, "copy_into", racing)
    return removed


def _vanishing_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_class: Any,
                   **cache: Any) -> None:  # fmt: skip
    ledger = tmp_path / "ledger"
    params = {"ledger": str(ledger)}
    first = run_local(ThreeCached, params, workspace=tmp_path / "ws", isolation="fork", **cache)
    assert first.ok
    removed = _removed_while_read(monkeypatch, store_class)
    again = run_local(ThreeCached, params, workspace=tmp_path / "ws", isolation="fork", **cache)
    assert again.ok and len(removed) == 1
    (warning,) = _warnings(again.record.run_dir)
    assert warning["message"] == (
        f"cache entry {removed[0]} vanished while it was read (removed meanwhile; a miss)"
    )
    assert "damaged" not in warning["message"]
    steps = again.record.steps
    (rerun,) = [name for name, s in steps.items() if s.status == "succeeded"]  # the miss
    assert sorted(s.status for s in steps.values()) == ["cached", "cached", "succeeded"]
    assert ledger.read_text().split().count(rerun) == 2


def test_a_folder_entry_removed_while_it_is_read_vanished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _vanishing_run(tmp_path, monkeypatch, FolderStore)


def test_an_s3_entry_removed_while_it_is_read_vanished(
    s3_bucket: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{s3_bucket.uri}/cache"
    _vanishing_run(
        tmp_path, monkeypatch, S3Store, cache_store=url, cache_endpoint=s3_bucket.endpoint_url
    )


def test_a_file_the_store_cloned_is_read_back_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A copy is hashed as it is written; a clone (no bytes passed through) is read back."""
    params = {"ledger": str(tmp_path / "ledger")}
    assert run_local(ThreeCached, params, workspace=tmp_path / "ws", isolation="fork").ok

    def cloned_wrong(self: Any, key: str, entry: Any, name: str, fd: int) -> str | None:
        os.write(fd, b"not the bytes the entry names")
        return None  # as after a clone: the caller reads the file to check it

    monkeypatch.setattr(FolderStore, "copy_into", cloned_wrong)
    again = run_local(ThreeCached, params, workspace=tmp_path / "ws", isolation="fork")
    assert again.ok
    assert {s.status for s in again.record.steps.values()} == {"succeeded"}  # nothing restored
    messages = [w["message"] for w in _warnings(again.record.run_dir)]
    assert messages and all("damaged cache entry" in m and "has digest" in m for m in messages)
