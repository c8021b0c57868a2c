"""`axl cache ls`, `axl cache gc` and `axl cache clear`: a store's entries and their cleanup.

Entries are made by `axl.run_local` of a small project in a temporary folder
(one entry per value of its `factor` param; its own folder, so edits to this
repository never change the key); a rerun is a hit. Ages are faked by rewriting
an entry's `created` and setting the mtime of its hit record, as time would.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import axl
from axl.cli import cache as cache_cli
from axl.errors import UsageError
from axl.runtime.cache_admin import parse_age, parse_size
from axl.runtime.cache_store import ENTRY_FILE, HITS_FILE, FolderStore

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400.0


def axl_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "axl", "cache", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def as_json(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = axl_cli(*args, "--json", env=env)
    assert out.returncode == 0, out.stderr
    found: dict[str, Any] = json.loads(out.stdout)
    return found


FLOW = """
from axl import Param, Workflow, step


class Cached(Workflow):
    name = "cached"
    ledger = Param(type=str)
    factor = Param(2)

    @step
    def base(self) -> int:
        return 21

    @step(cache=True)
    def expensive(self, base: int) -> int:
        with open(self.ledger, "a") as f:
            f.write("ran\\n")
        return base * self.factor
"""


def fill(ws: Path, factors: tuple[int, ...], cache_store: str | None = None) -> None:
    """Run the project's workflow once per factor (the project is made beside ``ws``)."""
    project = ws.parent / "proj"
    if not project.exists():
        project.mkdir()
        (project / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "0"\n')
        (project / "flow.py").write_text(FLOW)
    for factor in factors:
        params = {"ledger": str(ws.parent / "ledger"), "factor": factor}
        result = axl.run_local(
            f"{project / 'flow.py'}:Cached", params, workspace=ws, cache_store=cache_store
        )
        assert result.ok


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace whose store holds entries for factors 1, 2 and 3; factor 2 hit once."""
    ws = tmp_path / "ws"
    fill(ws, (1, 2, 3, 2))
    return ws


def by_factor(ws: Path) -> dict[int, str]:
    """Each entry's key by its factor (its output 21 * factor)."""
    found = {}
    for folder in (ws / "cache").iterdir():
        if folder.name.startswith("."):
            continue
        entry = json.loads((folder / ENTRY_FILE).read_text())
        output = folder / entry["outputs"][0]["file"]
        found[pickle.loads(output.read_bytes()) // 21] = folder.name  # our own int
    return found


def set_age(ws: Path, key: str, *, created: float, hit: float | None = None) -> None:
    """Make ``key``'s entry ``created`` days old, and its last hit ``hit`` days ago."""
    now = time.time()
    path = ws / "cache" / key / ENTRY_FILE
    entry = json.loads(path.read_text())
    entry["created"] = now - created * DAY
    os.chmod(path, 0o644)
    path.write_text(json.dumps(entry))
    hits = ws / "cache" / key / HITS_FILE
    if hit is None:
        hits.unlink(missing_ok=True)
    else:
        if not hits.exists():
            FolderStore(ws / "cache").record_hit(key)
        when = now - hit * DAY
        os.utime(hits, (when, when))


def test_ls_lists_entries_with_sizes_ages_and_hits(ws: Path) -> None:
    found = as_json("ls", "--workspace", str(ws))
    keys = by_factor(ws)
    assert found["hits_counted"] is True and found["store"] == str(ws / "cache")
    entries = {e["key"]: e for e in found["entries"]}
    assert set(entries) == set(keys.values())
    assert {(e["workflow"], e["step"]) for e in entries.values()} == {("cached", "expensive")}
    assert {f: entries[k]["hits"] for f, k in keys.items()} == {1: 0, 2: 1, 3: 0}
    assert entries[keys[2]]["last_hit"] is not None and entries[keys[1]]["last_hit"] is None
    assert found["entries"][0]["key"] == keys[2]  # the most recently used first
    assert all(e["size"] > 0 for e in entries.values())
    assert found["size"] == sum(e["size"] for e in entries.values())

    fill(ws, (2,))
    again = {e["key"]: e for e in as_json("ls", "--workspace", str(ws))["entries"]}
    assert again[keys[2]]["hits"] == 2

    text = axl_cli("ls", "--workspace", str(ws)).stdout.splitlines()
    assert text[0].split() == ["KEY", "WORKFLOW", "STEP", "SIZE", "AGE", "HITS", "LAST", "HIT"]
    row = text[1].split()
    assert row[:3] == [keys[2][:16], "cached", "expensive"] and row[6] == "2"
    assert text[-1].startswith("3 entries, ") and text[-1].endswith(f" in {ws / 'cache'}")
    empty = axl_cli("ls", "--workspace", str(ws.parent / "none"))
    assert (
        empty.returncode == 0 and empty.stdout == f"no entries in {ws.parent / 'none' / 'cache'}\n"
    )


def test_gc_removes_entries_unused_for_the_age(ws: Path) -> None:
    keys = by_factor(ws)
    set_age(ws, keys[1], created=10)  # old, never hit: goes
    set_age(ws, keys[2], created=10, hit=1)  # old but hit yesterday: stays
    set_age(ws, keys[3], created=1)
    dry = as_json("gc", "--older-than", "7d", "--workspace", str(ws), "--dry-run")
    assert dry["removed"] == [keys[1]] and dry["dry_run"] is True
    assert len(as_json("ls", "--workspace", str(ws))["entries"]) == 3

    out = axl_cli("gc", "--older-than", "7d", "--workspace", str(ws))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith(f"removed {keys[1][:16]}  cached.expensive (")
    assert out.stdout.splitlines()[-1].startswith("removed 1 entry (")
    assert sorted(p.name for p in (ws / "cache").iterdir()) == sorted([keys[2], keys[3]])
    ledger = ws.parent / "ledger"
    ledger.write_text("")
    fill(ws, (1, 2))  # the removed entry is a miss, the kept one a hit
    assert ledger.read_text() == "ran\n"


def test_gc_over_the_size_removes_the_least_recently_used(ws: Path) -> None:
    keys = by_factor(ws)
    set_age(ws, keys[1], created=5, hit=2)
    set_age(ws, keys[2], created=4, hit=3)  # the least recently used
    set_age(ws, keys[3], created=1)
    sizes = {e["key"]: e["size"] for e in as_json("ls", "--workspace", str(ws))["entries"]}
    limit = sizes[keys[3]] + 10
    found = as_json("gc", "--max-size", str(limit), "--workspace", str(ws))
    assert found["removed"] == [keys[2], keys[1]]  # oldest use first
    assert found["kept"] == 1 and found["size"] == sizes[keys[3]] <= limit
    assert found["freed"] == sizes[keys[1]] + sizes[keys[2]]
    assert [e["key"] for e in as_json("ls", "--workspace", str(ws))["entries"]] == [keys[3]]
    assert as_json("gc", "--max-size", "10G", "--workspace", str(ws))["removed"] == []


def test_gc_by_age_then_by_size(ws: Path) -> None:
    keys = by_factor(ws)
    set_age(ws, keys[1], created=9)
    set_age(ws, keys[2], created=3)
    set_age(ws, keys[3], created=2)
    found = as_json("gc", "--older-than", "7d", "--max-size", "1", "--workspace", str(ws))
    assert found["removed"] == [keys[1], keys[2], keys[3]]


def test_clear_needs_yes_when_not_asked_on_a_terminal(ws: Path) -> None:
    refused = axl_cli("clear", "--workspace", str(ws))
    assert refused.returncode == 2
    assert refused.stderr == (
        f"error: not clearing the cache store {ws / 'cache'}: pass --yes to remove all\n"
    )
    assert len(as_json("ls", "--workspace", str(ws))["entries"]) == 3
    dry = as_json("clear", "--workspace", str(ws), "--dry-run")
    assert len(dry["removed"]) == 3 and len(as_json("ls", "--workspace", str(ws))["entries"]) == 3

    cleared = as_json("clear", "--yes", "--workspace", str(ws))
    assert len(cleared["removed"]) == 3 and cleared["kept"] == 0 and cleared["freed"] > 0
    assert as_json("ls", "--workspace", str(ws))["entries"] == []
    assert list((ws / "cache").iterdir()) == []


def test_clear_asks_on_a_terminal(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = typer.Typer()
    cache_cli.register(app)
    app.command("other")(lambda: None)
    monkeypatch.setattr(cache_cli, "_on_terminal", lambda: True)
    runner = CliRunner()
    no = runner.invoke(app, ["cache", "clear", "--workspace", str(ws)], input="n\n")
    assert no.exit_code == 1 and len(FolderStore(ws / "cache").keys()) == 3
    yes = runner.invoke(app, ["cache", "clear", "--workspace", str(ws)], input="y\n")
    assert yes.exit_code == 0, yes.output
    assert "removed 3 entries" in yes.output and FolderStore(ws / "cache").keys() == []


def test_a_hit_on_a_removed_entry_recreates_nothing_and_leftovers_are_swept(
    tmp_path: Path,
) -> None:
    store = FolderStore(tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    store.record_hit("ab" * 32)  # the entry was removed meanwhile
    assert list((tmp_path / "cache").iterdir()) == []
    young, old = tmp_path / "cache" / ".k.1.aa.tmp", tmp_path / "cache" / ".k.2.bb.tmp"
    young.mkdir()
    old.mkdir()
    os.utime(old, (time.time() - 2 * 3600,) * 2)
    assert store.sweep() == 1
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [young.name]  # a live writer's


def test_an_s3_store_lists_last_use_and_is_cleaned(s3_bucket: Any, tmp_path: Path) -> None:
    url = f"{s3_bucket.uri}/axl/cache"
    env = {**s3_bucket.server.env, "AWS_ENDPOINT_URL": s3_bucket.endpoint_url}
    os.environ["AWS_ENDPOINT_URL"] = s3_bucket.endpoint_url
    try:
        ws = tmp_path / "ws"
        fill(ws, (1, 2, 2), cache_store=url)
    finally:
        del os.environ["AWS_ENDPOINT_URL"]
    found = as_json("ls", "--cache-store", url, env=env)
    assert found["hits_counted"] is False and found["store"] == url
    entries = found["entries"]
    assert len(entries) == 2 and {e["hits"] for e in entries} == {None}
    hit, other = entries  # the one used last first
    assert hit["last_hit"] is not None and other["last_hit"] is None
    text = axl_cli("ls", "--cache-store", url, env=env).stdout
    assert "hits are not counted in an S3 store" in text

    client, bucket = s3_bucket.client, s3_bucket.name
    name = f"axl/cache/{other['key']}/{ENTRY_FILE}"
    entry = json.loads(client.get_object(Bucket=bucket, Key=name)["Body"].read())
    entry["created"] = time.time() - 10 * DAY
    client.put_object(Bucket=bucket, Key=name, Body=json.dumps(entry).encode())
    gone = as_json("gc", "--older-than", "7d", "--cache-store", url, env=env)
    assert gone["removed"] == [other["key"]] and gone["kept"] == 1
    listed = client.list_objects_v2(Bucket=bucket)["Contents"]
    assert {o["Key"].split("/")[2] for o in listed} == {hit["key"]}

    assert as_json("clear", "--yes", "--cache-store", url, env=env)["removed"] == [hit["key"]]
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("gc", "--older-than", "7x"), "error: --older-than: '7x' is not a duration"),
        (("gc", "--older-than", "0d"), "error: --older-than: '0d' must be a positive duration"),
        (("gc", "--max-size", "10Q"), "error: --max-size '10Q' is not a size"),
        (("gc", "--max-size", "-1G"), "error: --max-size '-1G' is not a size"),
        (("gc",), "error: axl cache gc needs --older-than or --max-size"),
        (("ls", "--cache-store", "ftp://host/x"), "error: --cache-store 'ftp://host/x': "),
    ],
)
def test_bad_flags_are_one_line_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    out = axl_cli(*args, "--workspace", str(tmp_path))
    assert out.returncode == 2
    assert out.stderr.startswith(message), out.stderr
    assert len(out.stderr.splitlines()) <= 2 and "Traceback" not in out.stderr  # error, hint


def test_sizes_and_ages_parse() -> None:
    assert parse_size("10G") == 10**10 and parse_size("500M") == 500 * 10**6
    assert parse_size("2.5GB") == 2_500_000_000 and parse_size("1GiB") == 1 << 30
    assert parse_size("4096") == 4096 and parse_size("1kb") == 1000
    assert (parse_age("7d"), parse_age("12h"), parse_age("30m")) == (7 * DAY, 43200, 1800)
    with pytest.raises(UsageError, match="--max-size '1Gx' is not a size"):
        parse_size("1Gx")
    with pytest.raises(UsageError, match="--older-than: '7' is not a duration"):
        parse_age("7")
