"""The local engine: parallelism, retries, conditions, isolation, records, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest

from axl.runtime.api import run_local
from axl.runtime.record import RunRecord
from tests.runtime.workflows import Boom, Crash, Diamond, Envy, Flaky, Gate, Paths, Slow

ROOT = Path(__file__).resolve().parents[2]


def test_iris_runs_and_is_deterministic(tmp_path: Path):
    first = run_local(
        str(ROOT / "examples" / "iris_knn.py") + ":IrisKNN", workspace=tmp_path, run_id="one"
    )
    assert first.ok, first.record.steps
    assert first.value > 0.9
    second = run_local(
        str(ROOT / "examples" / "iris_knn.py") + ":IrisKNN", workspace=tmp_path, run_id="two"
    )
    digests = {n: s.outputs[0].digest for n, s in first.record.steps.items()}
    assert digests == {n: s.outputs[0].digest for n, s in second.record.steps.items()}
    assert (tmp_path / "runs" / "one" / "run.json").is_file()
    assert (tmp_path / "runs" / "one" / "train" / "output.pkl").is_file()
    assert (tmp_path / "runs" / "one" / "train" / "output.meta.json").is_file()


@pytest.mark.parametrize("isolation", ["fork", "worker"])
def test_diamond_middle_steps_overlap(tmp_path: Path, isolation: str):
    result = run_local(
        Diamond, {"nap": 1.0}, workspace=tmp_path, max_parallel=2, isolation=isolation
    )
    assert result.ok
    assert result.value == 112
    record = RunRecord.load(result.run_dir)
    b, c = record.steps["b"], record.steps["c"]
    # both started before either finished: they ran at the same time
    assert b.started < c.finished and c.started < b.finished
    assert record.steps["d"].started >= max(b.finished, c.finished)


def test_max_parallel_one_serialises(tmp_path: Path):
    result = run_local(Diamond, {"nap": 0.2}, workspace=tmp_path, max_parallel=1)
    b, c = result.record.steps["b"], result.record.steps["c"]
    assert b.finished <= c.started or c.finished <= b.started


def test_retries_then_success(tmp_path: Path):
    counter = tmp_path / "count"
    result = run_local(Flaky, {"counter": str(counter), "succeed_on": 3}, workspace=tmp_path)
    assert result.ok
    assert result.value == 3
    assert result.record.steps["work"].attempts == 3


def test_retries_exhausted(tmp_path: Path):
    counter = tmp_path / "count"
    result = run_local(Flaky, {"counter": str(counter), "succeed_on": 9}, workspace=tmp_path)
    assert not result.ok
    step = result.record.steps["work"]
    assert step.status == "failed"
    assert step.attempts == 3
    assert "attempt 3 fails" in step.error["message"]


def test_when_skips_step_and_its_dependants(tmp_path: Path):
    result = run_local(Gate, workspace=tmp_path)
    steps = result.record.steps
    assert result.ok
    assert steps["deploy"].status == "skipped"
    assert "score > 0.9" in steps["deploy"].reason
    assert steps["notify"].status == "skipped"
    assert steps["report"].status == "succeeded"
    off = run_local(Gate, {"mode": "quick"}, workspace=tmp_path)
    assert off.record.steps["report"].status == "skipped"


def test_user_exception_fails_the_step_with_its_message(tmp_path: Path):
    result = run_local(Boom, workspace=tmp_path)
    assert not result.ok
    step = result.record.steps["explode"]
    assert step.status == "failed"
    assert step.exit_code == 3
    assert "step 'explode' raised ValueError: bad value 1" in step.error["message"]
    log = Path(step.log).read_text()
    assert "raise ValueError" in log and "axl frames removed" in log
    assert result.record.steps["fine"].status == "succeeded"


@pytest.mark.parametrize("isolation", ["fork", "worker"])
@pytest.mark.parametrize("how", ["exit", "segfault"])
def test_a_crashing_step_fails_only_itself(tmp_path: Path, how: str, isolation: str):
    result = run_local(Crash, {"how": how}, workspace=tmp_path, isolation=isolation)
    steps = result.record.steps
    assert steps["crash"].status == "failed"
    assert steps["ok"].status == "succeeded"
    message = steps["crash"].error["message"]
    assert ("exited with code 9" in message) if how == "exit" else ("SIGSEGV" in message)


@pytest.mark.parametrize("isolation", ["fork", "worker"])
def test_timeout_kills_the_step(tmp_path: Path, isolation: str):
    result = run_local(Slow, workspace=tmp_path, isolation=isolation)
    step = result.record.steps["wait"]
    assert step.status == "failed"
    assert "timed out after 0.5s" in step.error["message"]
    assert step.duration_ms < 10_000


@pytest.mark.parametrize("isolation", ["fork", "worker", "subprocess"])
def test_env_is_set_only_for_its_step(tmp_path: Path, isolation: str):
    result = run_local(Envy, workspace=tmp_path, isolation=isolation, max_parallel=1)
    assert result.outputs["with_env"] == {"AXL_TEST_FLAVOUR": "mint", "AXL_TEST_SHARED": "shared"}
    assert result.outputs["without_env"] == {"AXL_TEST_FLAVOUR": None, "AXL_TEST_SHARED": "shared"}


def test_path_mode_hands_over_the_artifact_path(tmp_path: Path):
    result = run_local(Paths, workspace=tmp_path)
    kind, name, size = result.value
    assert kind in ("PosixPath", "WindowsPath")
    assert name == "output.json"
    assert size == result.output_path("make").stat().st_size


@pytest.mark.parametrize("isolation", ["worker", "subprocess"])
def test_other_isolation_modes_give_the_same_results(tmp_path: Path, isolation: str):
    forked = run_local(Diamond, workspace=tmp_path, run_id="fork")
    fresh = run_local(Diamond, workspace=tmp_path, run_id="other", isolation=isolation)
    assert fresh.ok, fresh.record.steps
    assert {n: s.outputs[0].digest for n, s in forked.record.steps.items()} == {
        n: s.outputs[0].digest for n, s in fresh.record.steps.items()
    }


def test_only_reruns_one_step_from_an_earlier_run(tmp_path: Path):
    first = run_local(Boom, workspace=tmp_path, run_id="r1")
    assert not first.ok
    again = run_local(Boom, workspace=tmp_path, run_id="r1", only="explode")
    assert again.record.steps["fine"].status == "succeeded"
    assert again.record.steps["fine"].attempts == first.record.steps["fine"].attempts
    assert again.record.steps["explode"].status == "failed"


def test_run_record_has_timings_statuses_and_digests(tmp_path: Path):
    run_local(Diamond, workspace=tmp_path, run_id="rec")
    record = RunRecord.load(tmp_path / "runs" / "rec")
    assert record.status == "succeeded"
    assert set(record.steps) == {"a", "b", "c", "d"}
    for step in record.steps.values():
        assert step.status == "succeeded"
        assert step.duration_ms is not None and step.started <= step.finished
        assert step.outputs[0].digest.startswith("blake3:")


def test_cache_reuses_results_until_inputs_or_params_change(tmp_path: Path):
    from tests.runtime.workflows import Cached

    ledger = tmp_path / "ledger"
    first = run_local(Cached, {"ledger": str(ledger)}, workspace=tmp_path)
    second = run_local(Cached, {"ledger": str(ledger)}, workspace=tmp_path)
    assert first.value == second.value == 42
    assert second.record.steps["expensive"].status == "cached"
    assert ledger.read_text() == "ran\n"
    third = run_local(Cached, {"ledger": str(ledger), "factor": 3}, workspace=tmp_path)
    assert third.value == 63
    assert third.record.steps["expensive"].status == "succeeded"
    assert ledger.read_text() == "ran\nran\n"


def test_python_api_is_exported_from_axl(tmp_path: Path):
    import axl

    result = axl.run_local(Diamond, {"nap": 0}, workspace=tmp_path)
    assert isinstance(result, axl.RunResult)
    assert result.ok and result.value == 112
    assert result.outputs["b"] == 11
    assert set(result.outputs) == {"a", "b", "c", "d"}


def test_async_steps_are_awaited(tmp_path: Path):
    from tests.runtime.workflows import Awaits

    result = run_local(Awaits, workspace=tmp_path)
    assert result.ok and result.value == 14
