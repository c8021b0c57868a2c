"""A cache hit in a local run is answered by the engine: no step process starts for it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from axl.runtime.api import run_local
from axl.runtime.cache_store import DEFAULT_FOLDER
from axl.runtime.fork_server import ForkServer
from axl.runtime.workers import StepProcesses
from tests.runtime.workflows import Cached, ThreeCached


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The steps the engine hands to a step process, in order."""
    names: list[str] = []
    start = StepProcesses.start

    def counting(self: StepProcesses, manifest: Any, *args: Any, **kwargs: Any) -> Any:
        names.append(manifest.step)
        return start(self, manifest, *args, **kwargs)

    monkeypatch.setattr(StepProcesses, "start", counting)
    return names


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The step processes (workers, one-step children) the fork server is asked for."""
    kinds: list[str] = []
    spawn = ForkServer.spawn

    def counting(self: ForkServer, entry: str, durable: bool) -> Any:
        kinds.append(entry)
        return spawn(self, entry, durable)

    monkeypatch.setattr(ForkServer, "spawn", counting)
    return kinds


def _events(log: str | None) -> list[dict[str, Any]]:
    assert log is not None
    lines = Path(log).read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.mark.parametrize("isolation", ["worker", "fork", "subprocess"])
def test_a_hit_starts_no_step_process_and_is_recorded_as_the_runner_records_it(
    tmp_path: Path, started: list[str], isolation: str
) -> None:
    params = {"ledger": str(tmp_path / "ledger")}
    first = run_local(Cached, params, workspace=tmp_path, isolation=isolation)
    assert started == ["base", "expensive"]
    before = first.record.steps["expensive"]
    assert before.cache is not None and before.cache["status"] == "miss"

    started.clear()
    second = run_local(Cached, params, workspace=tmp_path, isolation=isolation)
    assert started == ["base"]  # the cached step never reached a step process
    assert second.ok and second.value == 42
    step = second.record.steps["expensive"]
    assert step.status == "cached" and step.exit_code == 0 and step.attempts == 1
    assert step.cache is not None and step.cache["status"] == "hit"
    assert step.cache["key"] == before.cache["key"] and step.cache["parts"] == before.cache["parts"]
    assert step.key == before.key  # the run record's own key, as before
    assert step.outputs[0].digest == before.outputs[0].digest
    assert step.outputs[0].path.startswith(second.record.run_dir)
    # nothing to say beyond the record: the step's folder holds its output and sidecar only
    assert step.log is None
    step_dir = Path(second.record.run_dir) / "expensive"
    assert sorted(p.name for p in step_dir.iterdir()) == ["output.meta.json", "output.pkl"]
    saved = json.loads((Path(second.record.run_dir) / "run.json").read_text())
    assert saved["steps"]["expensive"]["cache"] == step.cache
    assert saved["steps"]["expensive"]["log"] is None
    assert (tmp_path / "ledger").read_text() == "ran\n"


def test_a_damaged_entry_falls_back_to_running_the_step_with_a_warning(
    tmp_path: Path, started: list[str]
) -> None:
    params = {"ledger": str(tmp_path / "ledger")}
    run_local(Cached, params, workspace=tmp_path)
    (entry,) = (tmp_path / DEFAULT_FOLDER).glob("*/entry.json")
    data = next(p for p in entry.parent.iterdir() if p.name.startswith("output"))
    data.chmod(0o644)
    data.write_bytes(b"not the stored result")

    started.clear()
    after = run_local(Cached, params, workspace=tmp_path)
    assert started == ["base", "expensive"]  # the miss went to a step process
    assert after.ok and after.value == 42
    step = after.record.steps["expensive"]
    assert step.status == "succeeded" and step.cache is not None
    assert step.cache["status"] == "miss" and step.cache["stored"] is True
    warnings = [e for e in _events(step.log) if e["status"] == "cache_warning"]
    assert len(warnings) == 1 and warnings[0]["level"] == "warning"
    assert "damaged cache entry" in warnings[0]["message"]
    assert (tmp_path / "ledger").read_text() == "ran\nran\n"

    started.clear()
    assert run_local(Cached, params, workspace=tmp_path).record.steps["expensive"].status == (
        "cached"
    )
    assert started == ["base"]


@pytest.mark.parametrize("isolation", ["worker", "fork", "subprocess"])
def test_a_rerun_where_every_step_hits_starts_no_step_process(
    tmp_path: Path, started: list[str], spawned: list[str], isolation: str
) -> None:
    params = {"ledger": str(tmp_path / "ledger")}
    first = run_local(ThreeCached, params, workspace=tmp_path, isolation=isolation)
    assert first.ok and first.value == 2
    assert sorted(started) == ["first", "second", "third"]
    assert (spawned != []) == (isolation != "subprocess")

    started.clear()
    spawned.clear()
    again = run_local(ThreeCached, params, workspace=tmp_path, isolation=isolation)
    assert again.ok and again.value == 2 and again.outputs["third"] == 3
    assert started == [] and spawned == []  # no worker, no forked child, no interpreter
    assert {s.status for s in again.record.steps.values()} == {"cached"}
    assert sorted((tmp_path / "ledger").read_text().split()) == ["first", "second", "third"]
    for name, hit in again.record.steps.items():
        assert hit.log is None and hit.exit_code == 0
        assert hit.outputs[0].path == str(Path(again.record.run_dir) / name / "output.pkl")
        assert hit.outputs[0].digest == first.record.steps[name].outputs[0].digest


def test_only_the_miss_among_hits_reaches_a_step_process(
    tmp_path: Path, started: list[str], spawned: list[str]
) -> None:
    """A damaged entry is a miss: its step alone is forked; the hits stay in the engine."""
    params = {"ledger": str(tmp_path / "ledger")}
    run_local(ThreeCached, params, workspace=tmp_path, isolation="fork")
    (entry,) = [
        p.parent
        for p in (tmp_path / DEFAULT_FOLDER).glob("*/entry.json")
        if json.loads(p.read_text())["step"] == "third"
    ]
    data = next(p for p in entry.iterdir() if p.name.startswith("output"))
    data.chmod(0o644)
    data.write_bytes(b"not the stored result")

    started.clear()
    spawned.clear()
    after = run_local(ThreeCached, params, workspace=tmp_path, isolation="fork")
    assert after.ok and after.outputs["third"] == 3
    statuses = {name: s.status for name, s in after.record.steps.items()}
    assert statuses == {"first": "cached", "second": "cached", "third": "succeeded"}
    assert started == ["third"] and spawned[0] == "child"
    ledger = (tmp_path / "ledger").read_text().split()
    assert sorted(ledger) == ["first", "second", "third", "third"] and ledger[-1] == "third"
    third = after.record.steps["third"]
    events = _events(third.log)  # the engine's warning, then the step process's own events
    assert [e["status"] for e in events] == ["cache_warning", "started", "succeeded"]


def test_a_hit_keys_on_the_digest_its_run_took_of_an_upstream_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An input written or restored earlier in the same run is not read again for the key;
    an input this invocation did not write (a result kept by --only) is read and checked."""
    import axl.io.artifacts as artifacts

    params = {"ledger": str(tmp_path / "ledger")}
    first = run_local(ThreeCached, params, workspace=tmp_path, run_id="one")
    read: list[str] = []
    verify = artifacts.verify_artifact

    def counting(path: Any, **kwargs: Any) -> Any:
        read.append(Path(path).parent.name)
        return verify(path, **kwargs)

    monkeypatch.setattr(artifacts, "verify_artifact", counting)
    again = run_local(ThreeCached, params, workspace=tmp_path)
    assert {s.status for s in again.record.steps.values()} == {"cached"}
    assert read == []  # `second` keyed on the digest of `first` that its own hit restored
    key = first.record.steps["second"].cache["key"]  # type: ignore[index]
    assert again.record.steps["second"].cache["key"] == key  # type: ignore[index]

    only = run_local(ThreeCached, params, workspace=tmp_path, run_id="one", only="second")
    assert only.record.steps["second"].status == "cached"
    # The kept results are checked as the run resumes (first, third), and the hit of
    # `second` reads `first` again: this invocation did not write it.
    assert sorted(read) == ["first", "first", "third"]
    assert only.record.steps["second"].cache["key"] == key  # type: ignore[index]
    assert sorted((tmp_path / "ledger").read_text().split()) == ["first", "second", "third"]
