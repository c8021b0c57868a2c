"""`axl runs ls|show|report|gc`: a workspace's runs by workflow and hash, one run's steps, its
HTML report, and cleanup.

Runs are made by `axl.run_local` (two workflows, several runs each); one run
is held open with its folder's lock as a running process holds it, another
is left `running` as a killed run leaves it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import axl
from axl.runtime.record import RunRecord
from axl.runtime.run_folder import RunLock
from tests.runtime.workflows import Boom, Diamond

ROOT = Path(__file__).resolve().parents[2]


def axl_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "axl", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Three diamond runs (the oldest first) and two of boom, which fails."""
    ws = tmp_path / "ws"
    for n in range(3):
        assert axl.run_local(Diamond, workspace=ws, run_id=f"diamond-{n}").ok
        _age(ws, f"diamond-{n}", 100 - n)
    for n in range(2):
        assert not axl.run_local(Boom, workspace=ws, run_id=f"boom-{n}").ok
        _age(ws, f"boom-{n}", 50 - n)
    return ws


def _age(ws: Path, run_id: str, minutes: int) -> None:
    record = RunRecord.load(ws / "runs" / run_id)
    record.started -= minutes * 60
    record.save()


def _ls(ws: Path) -> list[dict]:
    out = axl_cli("runs", "ls", "--workspace", str(ws), "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["runs"]


def test_ls_groups_runs_by_workflow_and_hash_newest_first(workspace: Path) -> None:
    runs = _ls(workspace)
    assert [(r["workflow"], r["run_id"], r["status"]) for r in runs] == [
        ("boom", "boom-1", "failed"),
        ("boom", "boom-0", "failed"),
        ("diamond", "diamond-2", "succeeded"),
        ("diamond", "diamond-1", "succeeded"),
        ("diamond", "diamond-0", "succeeded"),
    ]
    diamond_hash = RunRecord.load(workspace / "runs" / "diamond-0").ir_hash
    assert {r["hash"] for r in runs if r["workflow"] == "diamond"} == {diamond_hash}
    assert all(r["size"] > 0 and not r["in_use"] for r in runs)
    text = axl_cli("runs", "ls", "--workspace", str(workspace)).stdout.splitlines()
    assert text[0].startswith(f"boom  {runs[0]['hash'][:19]}  2 runs, ")
    assert text[3].startswith(f"diamond  {diamond_hash[:19]}  3 runs, ")
    assert text[4].split()[:2] == ["diamond-2", "succeeded"]


def test_gc_keeps_the_newest_runs_of_each_workflow(workspace: Path) -> None:
    dry = axl_cli("runs", "gc", "--keep", "1", "--workspace", str(workspace), "--dry-run", "--json")
    assert json.loads(dry.stdout)["removed"] == ["boom-0", "diamond-1", "diamond-0"]
    assert len(_ls(workspace)) == 5

    out = axl_cli("runs", "gc", "--keep", "1", "--workspace", str(workspace))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1].startswith("removed 3 runs (")
    assert [r["run_id"] for r in _ls(workspace)] == ["boom-1", "diamond-2"]
    assert sorted(p.name for p in (workspace / "runs").iterdir()) == ["boom-1", "diamond-2"]


def test_gc_never_removes_a_run_in_use_nor_an_unfinished_one_by_default(workspace: Path) -> None:
    lock = RunLock(workspace / "runs" / "diamond-0")  # as the process running it holds it
    record = RunRecord.load(workspace / "runs" / "diamond-1")
    record.status = "running"  # as a killed run leaves it: --resume continues it
    record.save()
    try:
        assert [r["in_use"] for r in _ls(workspace) if r["run_id"] == "diamond-0"] == [True]
        out = axl_cli("runs", "gc", "--keep", "0", "--workspace", str(workspace), "--json")
        assert json.loads(out.stdout)["removed"] == ["boom-1", "boom-0", "diamond-2"]
        out = axl_cli(
            "runs", "gc", "--keep", "0", "--workspace", str(workspace), "--include-unfinished",
            "--json",
        )  # fmt: skip
        assert json.loads(out.stdout)["removed"] == ["diamond-1"]
        assert [r["run_id"] for r in _ls(workspace)] == ["diamond-0"]
    finally:
        lock.release()


def test_gc_of_one_workflow_leaves_the_others(workspace: Path) -> None:
    out = axl_cli(
        "runs", "gc", "--keep", "0", "--workflow", "boom", "--workspace", str(workspace), "--json"
    )
    assert json.loads(out.stdout)["removed"] == ["boom-1", "boom-0"]
    assert {r["workflow"] for r in _ls(workspace)} == {"diamond"}


def test_an_empty_workspace_and_a_bad_keep(tmp_path: Path) -> None:
    out = axl_cli("runs", "ls", "--workspace", str(tmp_path / "none"))
    assert out.returncode == 0 and out.stdout == f"no runs in {tmp_path / 'none' / 'runs'}\n"
    bad = axl_cli("runs", "gc", "--keep", "-1", "--workspace", str(tmp_path))
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: --keep must not be negative, not -1")
    assert "Traceback" not in bad.stderr


def test_a_folder_without_a_record_is_listed_unreadable_and_kept(workspace: Path) -> None:
    (workspace / "runs" / "half-made").mkdir()
    (found,) = [r for r in _ls(workspace) if r["run_id"] == "half-made"]
    assert (found["workflow"], found["status"]) == ("?", "unreadable")
    out = axl_cli("runs", "gc", "--keep", "0", "--workspace", str(workspace), "--json")
    assert "half-made" not in json.loads(out.stdout)["removed"]
    assert (workspace / "runs" / "half-made").is_dir()
    show = axl_cli("runs", "show", "half", "--workspace", str(workspace))
    assert show.returncode == 2
    assert show.stderr.startswith("error: run half-made has no readable record: cannot read")


def test_show_prints_the_run_and_one_line_per_step(workspace: Path) -> None:
    out = axl_cli("runs", "show", "boom-1", "--workspace", str(workspace))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "run boom-1: failed"
    facts = dict(line.split(None, 1) for line in lines[1 : lines.index("")])
    assert facts["workflow"] == "boom (tests.runtime.workflows:Boom)"
    assert facts["hash"] == RunRecord.load(workspace / "runs" / "boom-1").ir_hash
    assert facts["steps"] == "2: 1 succeeded, 1 failed"
    table = lines[lines.index("") + 1 :]
    assert table[0].split() == ["STEP", "STATUS", "ATTEMPTS", "DURATION", "OUTPUTS", "NOTES"]
    fine, explode = table[1].split(), table[2].split()
    assert fine[:3] == ["fine", "succeeded", "1"] and fine[-4:] == ["5", "B", "int", "(pickle)"]
    assert explode[:3] == ["explode", "failed", "1"]
    assert "step 'explode' raised ValueError: bad value 1" in table[2]
    assert (
        table[3]
        == f"  log of explode: {workspace.resolve() / 'runs' / 'boom-1' / 'explode' / 'step.log'}"
    )


def test_show_json_is_the_documented_object(workspace: Path) -> None:
    out = axl_cli("runs", "show", "diamond-2", "--workspace", str(workspace), "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["ok"] is True
    run = doc["run"]
    assert (run["run_id"], run["workflow"], run["status"]) == ("diamond-2", "diamond", "succeeded")
    assert run["counts"] == {"succeeded": 4}
    assert [(s["name"], s["upstream"]) for s in run["steps"]] == [
        ("a", []), ("b", ["a"]), ("c", ["a"]), ("d", ["b", "c"]),
    ]  # fmt: skip
    (output,) = run["steps"][3]["outputs"]
    assert output["python_type"] == "builtins.int" and output["size"] > 0


def test_an_unknown_or_ambiguous_run_id_is_one_line_with_a_hint(workspace: Path) -> None:
    missing = axl_cli("runs", "show", "nope", "--workspace", str(workspace))
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr == (
        f"error: no run 'nope' in {workspace / 'runs'}\n"
        f"  hint: list the runs with: axl runs ls --workspace {workspace}\n"
    )
    ambiguous = axl_cli("runs", "report", "diamond", "--workspace", str(workspace), "--json")
    assert ambiguous.returncode == 2
    error = json.loads(ambiguous.stdout)["error"]
    assert error["code"] == "ambiguous_run"
    assert (
        error["message"]
        == "run id prefix 'diamond' matches 3 runs: diamond-0, diamond-1, diamond-2"
    )
    assert error["context"]["candidates"] == ["diamond-0", "diamond-1", "diamond-2"]
    bad = axl_cli("runs", "show", "../boom-1", "--workspace", str(workspace))
    assert bad.returncode == 2 and bad.stderr.startswith("error: '../boom-1' is not a run id")


def test_show_and_report_in_a_workspace_without_runs(tmp_path: Path) -> None:
    for command in ("show", "report"):
        out = axl_cli("runs", command, "x", "--workspace", str(tmp_path), "--json")
        assert out.returncode == 2
        error = json.loads(out.stdout)["error"]
        assert (error["code"], error["message"]) == (
            "run_not_found",
            f"no runs in {tmp_path / 'runs'}",
        )
    assert not list(tmp_path.iterdir())


def test_report_writes_one_html_file(workspace: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "reports" / "boom.html"
    out = axl_cli("runs", "report", "boom-1", "--workspace", str(workspace), "--out", str(out_file))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"wrote {out_file} (") and out.stdout.endswith(
        "): boom run boom-1, failed, 2 steps\n"
    )
    text = out_file.read_text()
    assert text.startswith("<!doctype html>")
    assert '<g class="node st-failed" data-step="explode" data-status="failed">' in text
    again = axl_cli(
        "runs", "report", "boom-1", "--workspace", str(workspace), "-o", str(out_file), "--json"
    )
    doc = json.loads(again.stdout)
    assert doc == {"ok": True, "run_id": "boom-1", "status": "failed", "path": str(out_file),
                   "size": out_file.stat().st_size}  # fmt: skip
    assert out_file.read_text() == text  # the same run, the same bytes
    blocked = axl_cli(
        "runs", "report", "boom-1", "--workspace", str(workspace), "-o", str(out_file / "x.html")
    )
    assert blocked.returncode == 4
    assert blocked.stderr.startswith(f"error: cannot write the report {out_file / 'x.html'}: ")
    assert "Traceback" not in blocked.stderr
