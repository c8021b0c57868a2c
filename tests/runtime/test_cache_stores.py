"""The cache stores: write-once under races, listing, removal; S3 against moto on 127.0.0.1."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

from axl.runtime import s3_http
from axl.runtime.cache import open_store
from axl.runtime.cache_s3 import HIT_MARKER
from axl.runtime.cache_store import DamagedEntry

KEY = "ab" * 32
WRITERS = 4

RACE = """
import json, sys, time
from pathlib import Path
from axl.runtime.cache import open_store
from axl.runtime.cache_s3 import HIT_MARKER
url, key, me, start, out = sys.argv[1:6]
data = Path(out) / f"w{me}.bin"
data.write_bytes(me.encode() * 100_000)
entry = {"key": key, "step": "s", "writer": me, "files": {"output.bin": me}}
while time.time() < float(start):
    pass
print(json.dumps(open_store(url).put(key, entry, {"output.bin": data})))
"""


def _race(url: str, tmp_path: Path, endpoint: str | None = None) -> list[bool]:
    import os
    import time

    env = {**os.environ, **({"AWS_ENDPOINT_URL": endpoint} if endpoint else {})}
    start = time.time() + 1.5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, url, KEY, str(i), str(start), str(tmp_path)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(WRITERS)
    ]
    return [json.loads(proc.communicate(timeout=60)[0]) for proc in procs]


def _check_one_good_entry(
    url: str, tmp_path: Path, won: list[bool], endpoint: str | None = None
) -> None:
    store = open_store(url, endpoint=endpoint)
    into = tmp_path / "got"
    into.mkdir()
    entry = store.get(KEY, into)
    assert entry is not None
    writer = entry["writer"]
    assert (into / "output.bin").read_bytes() == writer.encode() * 100_000  # whole, and its own
    assert store.keys() == [KEY]
    assert won.count(True) == 1 and won[int(writer)] is True, won


def test_writers_racing_for_a_folder_entry_leave_one_good_entry(tmp_path: Path):
    url = str(tmp_path / "cache")
    won = _race(url, tmp_path)
    _check_one_good_entry(url, tmp_path, won)
    # no leftovers; the tag says the folder is results, never code
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["CACHEDIR.TAG", KEY]


def test_writers_racing_for_an_s3_entry_leave_one_good_entry(s3_bucket, tmp_path: Path):
    url = f"{s3_bucket.uri}/axl/cache"
    won = _race(url, tmp_path, s3_bucket.endpoint_url)
    _check_one_good_entry(url, tmp_path, won, s3_bucket.endpoint_url)
    names = [o["Key"] for o in s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name)["Contents"]]
    names.remove(f"axl/cache/{KEY}/{HIT_MARKER}")  # the check's own get was a hit
    assert len(names) == 2  # entry.json and the winner's file: the losers removed theirs


def test_moto_honours_a_conditional_put(s3_bucket):
    client = s3_http.SignedS3(
        s3_bucket.endpoint_url, s3_http.static_credentials() or pytest.fail(), "us-east-1"
    )
    import io

    def put(data: bytes) -> None:
        client.request(
            "PUT", s3_bucket.name, "k", body=io.BytesIO(data), size=len(data),
            payload_sha256=__import__("hashlib").sha256(data).hexdigest(),
            headers={"if-none-match": "*"},
        )  # fmt: skip

    put(b"first")
    with pytest.raises(s3_http.S3Failure) as refused:
        put(b"second")
    assert refused.value.status == 412
    body = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key="k")["Body"].read()
    assert body == b"first"


def test_an_s3_entry_round_trips_and_is_removed(s3_bucket, tmp_path: Path):
    store = open_store(f"{s3_bucket.uri}/p", endpoint=s3_bucket.endpoint_url)
    data = tmp_path / "d.bin"
    data.write_bytes(b"payload")
    assert store.put(KEY, {"key": KEY, "files": {"out.bin": "x"}}, {"out.bin": data})
    assert not store.put(KEY, {"key": KEY, "files": {"out.bin": "x"}}, {"out.bin": data})
    into = tmp_path / "into"
    into.mkdir()
    assert store.get(KEY, into) is not None and (into / "out.bin").read_bytes() == b"payload"
    assert store.get("cd" * 32, into) is None
    store.remove(KEY)
    assert store.keys() == []


def test_a_folder_entry_missing_a_file_is_damaged(tmp_path: Path):
    store = open_store(str(tmp_path / "cache"))
    data = tmp_path / "d.bin"
    data.write_bytes(b"payload")
    assert store.put(KEY, {"key": KEY, "files": {"out.bin": "x"}}, {"out.bin": data})
    (tmp_path / "cache" / KEY / "out.bin").unlink()
    into = tmp_path / "into"
    into.mkdir()
    with pytest.raises(DamagedEntry):
        store.get(KEY, into)


def test_a_local_run_shares_its_results_through_s3(s3_bucket, tmp_path: Path):
    from tests.runtime.cache_project import make_project, statuses

    project = make_project(tmp_path)
    env = {**s3_bucket.server.env, "AWS_ENDPOINT_URL": s3_bucket.endpoint_url}
    store = ("--cache-store", f"{s3_bucket.uri}/axl/cache")
    first = project.run(*store, env=env)
    assert first["called"] == ["fixed", "scaled", "source"]
    (project.workspace / "runs").rename(tmp_path / "old-runs")  # nothing local is left to reuse
    again = project.run(*store, env=env)
    assert statuses(again) == {"source": "succeeded", "scaled": "cached", "fixed": "cached"}
    assert not (project.workspace / "cache").exists()
    multiprocessing.active_children()
