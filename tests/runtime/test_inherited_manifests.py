"""Step processes inherit the run's manifests: each is used once, and output stays per step."""

from __future__ import annotations

import io
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from axl import Param, Workflow, step
from axl.runtime.api import run_local
from axl.runtime.step_process import manifest_ref, take_manifest
from tests.runtime.workflows import Diamond


class MutatesItsLiteral(Workflow):
    """``grow`` changes the list it is given, then fails its first attempt."""

    name = "mutates-its-literal"
    counter = Param(type=str)

    @step(retries={"count": 1, "backoff": 0.01})
    def grow(self, items: list[str]) -> dict[str, Any]:
        seen = list(items)
        items.append("added by an attempt")
        path = Path(self.counter)
        pids = path.read_text().split() if path.exists() else []
        path.write_text(" ".join([*pids, str(os.getpid())]))
        if not pids:
            raise RuntimeError("the first attempt fails")
        return {"seen": seen, "pids": [*pids, str(os.getpid())]}

    def graph(self) -> Any:
        return self.grow(["a", "b"])


@pytest.mark.parametrize("isolation", ["worker", "fork"])
def test_a_retry_gets_the_manifest_as_compiled_not_as_an_attempt_left_it(
    tmp_path: Path, isolation: str
):
    params = {"counter": str(tmp_path / "pids")}
    result = run_local(
        MutatesItsLiteral, params, workspace=tmp_path, isolation=isolation, max_parallel=1
    )
    assert result.ok, result.record.steps["grow"].error
    assert result.record.steps["grow"].attempts == 2
    assert result.value["seen"] == ["a", "b"]
    first, second = result.value["pids"]
    if isolation == "worker":  # the same process ran both attempts
        assert first == second
    else:
        assert first != second


class ReplacesStdout(Workflow):
    """``hide`` swaps ``sys.stdout`` and leaves a line unfinished; ``show`` prints."""

    name = "replaces-stdout"

    @step
    def hide(self) -> int:
        print("unfinished line of hide", end="")
        sys.stderr.write("stderr of hide")
        sys.stdout = io.StringIO()
        print("swallowed")
        return 1

    @step
    def show(self, hide: int) -> int:
        print("printed by show")
        return hide + 1


def test_each_step_prints_to_its_own_log_in_a_reused_worker(tmp_path: Path):
    result = run_local(ReplacesStdout, workspace=tmp_path, isolation="worker", max_parallel=1)
    assert result.ok
    hide = Path(result.record.steps["hide"].log or "").read_text()
    show = Path(result.record.steps["show"].log or "").read_text()
    assert "unfinished line of hide" in hide
    assert "stderr of hide" in hide
    assert "printed by show" in show
    assert "hide" not in show.replace('"step": "show"', "")
    assert '"status": "succeeded"' in show


class ClosesStdout(Workflow):
    """``shut`` closes ``sys.stdout`` (the runner's events go to stderr); ``speak`` prints."""

    name = "closes-stdout"

    @step
    def shut(self) -> int:
        sys.stdout.close()
        return 1

    @step
    def speak(self, shut: int) -> int:
        print("stdout of speak")
        print("stderr of speak", file=sys.stderr)
        return shut + 1


def test_a_step_that_closes_stdout_leaves_the_next_one_its_output(tmp_path: Path):
    result = run_local(ClosesStdout, workspace=tmp_path, isolation="worker", max_parallel=1)
    assert result.ok, result.record.steps["speak"].error
    assert result.value == 2
    speak = Path(result.record.steps["speak"].log or "").read_text()
    assert "stdout of speak" in speak
    assert "stderr of speak" in speak


def test_a_manifest_is_sent_by_name_only_when_the_process_holds_that_very_one(tmp_path: Path):
    from axl.ir import build_ir
    from axl.runtime.local_options import LocalOptions
    from axl.runtime.local_plan import local_manifests

    options = LocalOptions(workspace=tmp_path)
    manifests = local_manifests(build_ir(Diamond), {}, tmp_path / "r", "r", options)
    first = next(iter(manifests.values()))
    assert manifest_ref(first, manifests) == first.step
    changed = replace(first, env={"X": "1"})
    assert manifest_ref(changed, manifests) is changed
    assert manifest_ref(first, {}) is first

    inherited = dict(manifests)
    assert take_manifest(first.step, inherited) is first
    assert first.step not in inherited  # given up: a second use needs the manifest itself
    with pytest.raises(KeyError):
        take_manifest(first.step, inherited)
    assert take_manifest(changed, inherited) is changed
