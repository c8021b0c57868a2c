"""The run view of axl.report.model: what a run folder says, found by id or unique prefix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from axl.report.find import AmbiguousRunError, RunNotFoundError, find_run
from axl.report.model import load_run, log_tail, topological
from tests.report.records import layered_record


def test_a_failed_run_as_its_folder_tells_it(runs: Path) -> None:
    run = load_run(runs, "train-1")
    assert (run.record.workflow, run.record.status, run.has_edges) == ("training", "failed", True)
    assert [s.name for s in run.steps] == [
        "load_data", "clean", "features", "fit", "stats", "evaluate", "notify", "publish",
    ]  # fmt: skip
    status = {s.name: s.status for s in run.steps}
    assert status == {
        "load_data": "succeeded", "clean": "succeeded", "features": "succeeded",
        "fit": "succeeded", "stats": "succeeded", "evaluate": "failed", "notify": "skipped",
        "publish": "not_run",
    }  # fmt: skip
    assert run.step("evaluate").upstream == ("fit", "stats")
    assert run.step("fit").record.attempts == 2
    (out,) = run.step("features").record.outputs
    assert (out.name, out.handler, out.python_type) == ("output", "pickle", "builtins.dict")
    assert out.size == Path(out.path).stat().st_size
    failed = run.step("evaluate")
    assert failed.message is not None
    assert "ValueError: accuracy 0.62 is below the threshold 0.8" in failed.message
    assert any("evaluated 200 rows" in line for line in failed.log_tail)
    assert failed.log_tail[-1].startswith('{"ts": ')  # the runner's "failed" event ends it
    assert run.step("load_data").log_tail == ()  # only failed steps carry a tail
    assert "is false" in run.step("notify").notes
    assert run.step("publish").notes == "an upstream step failed"
    assert run.counts() == [("succeeded", 5), ("skipped", 1), ("not_run", 1), ("failed", 1)]


def test_the_json_object_is_plain_data_with_every_step(runs: Path) -> None:
    data = load_run(runs, "train-1").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["hash"].startswith("blake3:") and data["counts"]["failed"] == 1
    evaluate = next(s for s in data["steps"] if s["name"] == "evaluate")
    assert evaluate["error"]["code"] == "step_failed" and evaluate["log_tail"]
    assert set(evaluate) == {
        "name", "status", "attempts", "started", "finished", "duration_ms", "upstream",
        "outputs", "cache", "kept", "reason", "error", "exit_code", "log", "log_tail",
    }  # fmt: skip


def test_a_unique_prefix_names_its_run_and_an_ambiguous_one_lists_the_candidates(
    tmp_path: Path,
) -> None:
    for run_id in ("alpha-1", "alpha-2", "beta-1"):
        (tmp_path / "runs" / run_id).mkdir(parents=True)
    assert find_run(tmp_path, "be") == tmp_path / "runs" / "beta-1"
    assert find_run(tmp_path, "alpha-1") == tmp_path / "runs" / "alpha-1"
    with pytest.raises(AmbiguousRunError, match=r"'alpha' matches 2 runs: alpha-1, alpha-2") as e:
        find_run(tmp_path, "alpha")
    assert e.value.context["candidates"] == ["alpha-1", "alpha-2"]
    with pytest.raises(RunNotFoundError, match=r"no run 'gamma' in .*runs") as e:
        find_run(tmp_path, "gamma")
    assert e.value.hint == f"list the runs with: axl runs ls --workspace {tmp_path}"
    with pytest.raises(RunNotFoundError, match=r"'\.\./alpha-1' is not a run id"):
        find_run(tmp_path, "../alpha-1")


def test_an_exact_id_wins_over_longer_ids_it_prefixes(tmp_path: Path) -> None:
    for run_id in ("nightly", "nightly-2"):
        (tmp_path / "runs" / run_id).mkdir(parents=True)
    assert find_run(tmp_path, "nightly") == tmp_path / "runs" / "nightly"


def test_a_workspace_without_runs(tmp_path: Path) -> None:
    with pytest.raises(RunNotFoundError, match=r"no runs in .*runs") as e:
        load_run(tmp_path / "none", "x")
    assert e.value.exit_code == 2 and "axl run local" in (e.value.hint or "")


def test_a_record_without_edges_lists_its_steps_by_name(tmp_path: Path) -> None:
    record = layered_record(tmp_path, "old", steps=4, width=2)
    data = record.to_dict()
    del data["upstream"]  # as records were written before they kept the DAG
    (Path(record.run_dir) / "run.json").write_text(json.dumps(data))
    run = load_run(tmp_path, "old")
    assert not run.has_edges
    assert [s.name for s in run.steps] == ["step_0000", "step_0001", "step_0002", "step_0003"]
    assert all(s.upstream == () for s in run.steps)


def test_topological_order_puts_steps_after_their_upstream_ties_by_name() -> None:
    upstream = {"z": [], "a": ["z"], "m": [], "b": ["m", "a"]}
    assert topological(list(upstream), upstream) == ["m", "z", "a", "b"]
    cycle = {"a": ["b"], "b": ["a"], "c": []}  # a record edited by hand
    assert topological(list(cycle), cycle) == ["c", "a", "b"]


def test_the_log_tail_reads_only_the_end_and_cuts_long_lines(tmp_path: Path) -> None:
    log = tmp_path / "step.log"
    log.write_text("".join(f"line {i}\n" for i in range(100_000)) + "x" * 5000 + "\n")
    tail = log_tail(log, lines=3)
    assert tail[:2] == ("line 99998", "line 99999")
    assert len(tail[2]) == 400 and tail[2].endswith("…")
    assert log_tail(tmp_path / "missing.log") == ()
    log.write_bytes(b"bad \xff byte\n")
    assert log_tail(log) == ("bad \ufffd byte",)


def test_a_cache_hit_and_a_result_kept_from_an_earlier_execution(tmp_path: Path) -> None:
    record = layered_record(tmp_path, "again", steps=3, width=1)
    first, second, _ = record.steps.values()
    first.started = record.started - 60  # ran in the execution before this one (--resume)
    second.cache = {"status": "hit", "key": "k", "parts": {"code": "d"}}
    record.save()
    run = load_run(tmp_path, "again")
    kept, hit, plain = run.steps
    assert (kept.kept, kept.notes) == (True, "kept from an earlier execution")
    assert (hit.kept, hit.cache_status, hit.notes) == (False, "hit", "cache hit")
    assert (plain.kept, plain.cache_status, plain.notes) == (False, None, "")
    assert run.to_dict()["steps"][1]["cache"] == {
        "status": "hit",
        "key": "k",
        "parts": {"code": "d"},
    }


def test_a_moved_run_folder_reads_its_logs_where_they_are_now(runs: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere" / "runs" / "train-1"
    shutil.copytree(runs / "runs" / "train-1", moved)
    here, there = load_run(runs, "train-1"), load_run(tmp_path / "elsewhere", "train-1")
    assert there.path == str(moved.resolve())
    assert there.step("evaluate").log == str(moved.resolve() / "evaluate" / "step.log")
    assert there.step("evaluate").log_tail == here.step("evaluate").log_tail != ()
