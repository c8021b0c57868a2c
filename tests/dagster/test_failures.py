"""How steps fail, retry, time out, skip and read params and Secrets on Dagster, op by op.

Each test runs a small workflow (``tests/dagster/workflows.py``) with
``execute_in_process`` of its in-memory job and reads both what Dagster
reports (events, the failure's message) and the run folder's record.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from axl.compiler.dagster import to_job
from axl.io.artifacts import read_artifact
from axl.ir import build_ir
from tests.dagster.jobs import Ran, execute, module_job, only_job
from tests.dagster.workflows import BadInput, Failing, Flaky, Gate, Secrets, Slow, Typed


def run(cls: type[Any], params: dict[str, Any], tmp_path: Path) -> Ran:
    return execute(to_job(cls, workspace=tmp_path / "ws"), params, tmp_path / "ws")


def failure_message(ran: Ran, step: str) -> str:
    (event,) = ran.events("STEP_FAILURE")[step]
    return str(event.event_specific_data.user_failure_data.description)


def output(ran: Ran, step: str) -> Any:
    return read_artifact(Path(ran.record.steps[step].outputs[0].path))


def test_a_failing_step_fails_its_op_with_the_runners_message_and_the_run_record_says_failed(
    tmp_path: Path,
):
    state = tmp_path / "attempts"
    ran = run(Failing, {"state": str(state)}, tmp_path)

    assert not ran.result.success
    log = ran.run_dir / "boom" / "step.log"
    source = Path(__file__).with_name("workflows.py")
    line = (
        source.read_text()
        .splitlines()
        .index('        raise ValueError("the data is not good enough")')
    )
    assert failure_message(ran, "boom") == (
        f"step 'boom' raised ValueError: the data is not good enough at "
        f"{source}:{line + 1} (exit code 3; log: {log})"
    )
    assert state.read_text() == "2"  # retries=1: two attempts
    assert len(ran.events("STEP_UP_FOR_RETRY")["boom"]) == 1
    boom = ran.record.steps["boom"]
    assert (boom.status, boom.attempts, boom.exit_code) == ("failed", 2, 3)
    assert boom.error is not None and boom.error["code"] == "step_failed"
    assert "ValueError: the data is not good enough" in log.read_text()
    assert (ran.run_dir / "boom" / "manifest.json").is_file()
    assert ran.statuses() == {
        "prepare": "succeeded",
        "boom": "failed",
        "after_boom": "not_run",
        "independent": "succeeded",  # Dagster runs what does not need the failed step
    }
    assert ran.record.steps["after_boom"].reason == "an upstream step failed"
    assert ran.record.status == "failed" and ran.record.finished is not None


def test_a_failure_carries_the_step_log_and_its_tail(tmp_path: Path):
    ran = run(Failing, {"state": str(tmp_path / "attempts")}, tmp_path)
    events = ran.events("STEP_FAILURE")["boom"]
    metadata = events[0].event_specific_data.user_failure_data.metadata
    assert metadata["log"].value == str(ran.run_dir / "boom" / "step.log")
    assert "ValueError: the data is not good enough" in metadata["log tail"].value
    assert metadata["exit code"].value == 3


def test_a_flaky_step_retries_the_configured_number_of_times_and_succeeds(tmp_path: Path):
    state = tmp_path / "attempts"
    ran = run(Flaky, {"state": str(state), "fails": 2}, tmp_path)

    assert ran.result.success
    assert state.read_text() == "3"
    assert len(ran.events("STEP_UP_FOR_RETRY")["attempt"]) == 2
    attempt = ran.record.steps["attempt"]
    assert (attempt.status, attempt.attempts, attempt.error) == ("succeeded", 3, None)
    assert output(ran, "after") == 30
    assert ran.record.status == "succeeded"


def test_a_step_failing_more_often_than_its_retries_fails_after_them(tmp_path: Path):
    state = tmp_path / "attempts"
    ran = run(Flaky, {"state": str(state), "fails": 9}, tmp_path)

    assert state.read_text() == "4"  # the first attempt and three retries
    assert ran.statuses() == {"attempt": "failed", "after": "not_run"}
    assert ran.record.steps["attempt"].attempts == 4
    assert "attempt 4 fails on purpose" in failure_message(ran, "attempt")


def test_exit_code_2_is_not_retried(tmp_path: Path):
    ran = run(BadInput, {"level": 7}, tmp_path)

    assert "use" not in ran.events("STEP_UP_FOR_RETRY")
    assert failure_message(ran, "use").startswith(
        "workflow 'bad-input': param 'level'=7 is not one of [1, 2, 3] (exit code 2; log: "
    )
    use = ran.record.steps["use"]
    assert (use.status, use.attempts, use.exit_code) == ("failed", 1, 2)


def test_a_timeout_kills_the_step(tmp_path: Path):
    pidfile = tmp_path / "pid"
    ran = run(Slow, {"pidfile": str(pidfile)}, tmp_path)

    assert failure_message(ran, "sleep").startswith(
        "step 'sleep' timed out after 1s and was killed (exit code 3; log: "
    )
    with pytest.raises(ProcessLookupError):
        os.kill(int(pidfile.read_text()), 0)
    sleep = ran.record.steps["sleep"]
    assert sleep.status == "failed" and sleep.error is not None
    assert sleep.error["code"] == "timeout"


def test_secret_env_is_read_from_the_environment_and_written_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    token = "tok-8f2e6c41d0"
    monkeypatch.setenv("API_TOKEN", token)
    module, path = module_job(build_ir(Secrets), tmp_path, workspace=str(tmp_path / "ws"))
    ran = execute(only_job(module.defs), {}, tmp_path / "ws")

    assert ran.result.success
    import hashlib

    assert output(ran, "use") == f"test:{hashlib.sha256(token.encode()).hexdigest()[:12]}"
    assert token not in path.read_text(encoding="utf-8")
    assert "model-registry" in path.read_text(encoding="utf-8")  # the reference is there
    for file in ran.run_dir.rglob("*"):
        if file.is_file():
            assert token.encode() not in file.read_bytes(), file


def test_a_missing_secret_fails_the_step_naming_it_without_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("API_TOKEN", raising=False)
    ran = run(Secrets, {}, tmp_path)

    assert failure_message(ran, "use").startswith(
        "step 'use' reads API_TOKEN from Secret model-registry/token; here it comes from the "
        "environment of the Dagster process (exit code 2; log: "
    )
    assert "use" not in ran.events("STEP_UP_FOR_RETRY")
    assert ran.record.steps["use"].status == "failed"


def test_params_from_the_run_config_reach_the_steps_typed(tmp_path: Path):
    params = {"count": 7, "rate": 2, "label": "nightly", "tags": ["x"], "mode": "slow"}
    ran = run(Typed, params, tmp_path)

    assert output(ran, "show") == {
        "count": ["int", 7],
        "rate": ["float", 2.0],
        "flag": ["bool", False],
        "label": ["str", "nightly"],
        "tags": ["list", ["x"]],
        "extra": ["dict", {"seed": 1}],
        "mode": ["str", "slow"],
        "maybe": ["NoneType", None],
    }


def test_the_launchpad_refuses_what_the_params_do_not_take(tmp_path: Path):
    import dagster as dg

    job = to_job(Typed, workspace=tmp_path / "ws")
    for config in ({"count": 1}, {"label": "x", "mode": "medium"}, {"label": "x", "count": "many"}):
        with pytest.raises(dg.DagsterInvalidConfigError):
            job.execute_in_process(run_config=config)


@pytest.mark.parametrize(
    ("score", "statuses"),
    [
        (0.9, {"measure": "succeeded", "ship": "succeeded", "announce": "succeeded", "report": "succeeded"}),
        (0.1, {"measure": "succeeded", "ship": "skipped", "announce": "skipped", "report": "succeeded"}),
    ],
)  # fmt: skip
def test_a_when_on_a_steps_value_runs_or_skips_its_branch(
    score: float, statuses: dict[str, str], tmp_path: Path
):
    ran = run(Gate, {"score": score}, tmp_path)

    assert ran.result.success
    assert ran.statuses() == statuses
    assert ran.record.status == "succeeded"  # a skipped last step still ends the run
    assert ran.record.finished is not None
    if score < 0.7:
        assert ran.record.steps["ship"].reason == "when 'measure > 0.7' is false"
        assert ran.record.steps["announce"].reason == "an upstream step was skipped"
        assert set(ran.events("STEP_SKIPPED")) == {"announce"}
        assert not (ran.run_dir / "ship" / "output.pkl").exists()
    else:
        assert output(ran, "announce") == "announced: shipped at 0.9"


def test_an_output_carries_its_digest_and_log(tmp_path: Path):
    ran = run(Gate, {"score": 0.9}, tmp_path)
    (event,) = ran.events("STEP_OUTPUT")["measure"]
    metadata = event.event_specific_data.metadata
    info = ran.record.steps["measure"].outputs[0]
    assert metadata["digest"].value == info.digest
    assert metadata["artifact"].value == info.path
    assert metadata["log"].value == str(ran.run_dir / "measure" / "step.log")
    assert '"status": "succeeded"' in metadata["log tail"].value
    assert json.loads(metadata["log tail"].value.splitlines()[-2])["step"] == "measure"
