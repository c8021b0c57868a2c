"""Shared pieces of the Dagster target's tests: compile, import and run a job, compare with local.

:func:`module_job` writes the module ``axl compile --target dagster`` writes
(through the registry target, as the CLI calls it) to a file and imports it;
:func:`execute` runs a job with ``execute_in_process`` and returns the
result with the run folder's record; :func:`local_digests` runs the same
workflow with ``axl.run_local`` and returns each step's output digest.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("dagster", reason="the Dagster target's tests need the dagster extra")

import dagster as dg

import axl
from axl.compiler.dagster.options import DagsterOptions
from axl.compiler.dagster.target import TARGET
from axl.ir import IRWorkflow, build_ir
from axl.runtime.record import RunRecord
from tests.fixtures.golden import load_class

ROOT = Path(__file__).resolve().parents[2]


def load_ir(target: str) -> IRWorkflow:
    return build_ir(load_class(target))


def import_module(path: Path) -> ModuleType:
    """Import a job module from its file, as ``dagster -f`` loads one."""
    name = f"axl_test_job_{path.stem}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def module_job(ir: IRWorkflow, folder: Path, **options: Any) -> tuple[ModuleType, Path]:
    """The job module of ``ir`` with ``options``, written to ``folder`` and imported."""
    compiled = TARGET.compile(ir, DagsterOptions(**options))
    path = folder / f"{ir.name.replace('-', '_')}_job.py"
    path.write_text(compiled.text, encoding="utf-8")
    return import_module(path), path


def only_job(defs: Any) -> dg.JobDefinition:
    (job,) = defs.jobs
    return defs.resolve_job_def(job.name)


@dataclass
class Ran:
    """A Dagster run of a job and the run folder's record."""

    result: Any
    record: RunRecord
    run_dir: Path

    def events(self, kind: str) -> dict[str, list[Any]]:
        """Step key -> the events of ``kind`` (``STEP_FAILURE``...) it had."""
        found: dict[str, list[Any]] = {}
        for event in self.result.all_events:
            if event.is_step_event and event.event_type_value == kind:
                found.setdefault(event.step_key, []).append(event)
        return found

    def statuses(self) -> dict[str, str]:
        return {name: step.status for name, step in self.record.steps.items()}


def execute(job: dg.JobDefinition, params: Mapping[str, Any], workspace: Path) -> Ran:
    """``job.execute_in_process`` with ``params`` as the run config (failures returned)."""
    result = job.execute_in_process(run_config=dict(params), raise_on_error=False)
    run_dir = workspace / "runs" / result.run_id
    return Ran(result, RunRecord.load(run_dir), run_dir)


def local_digests(
    cls: type[Any], params: Mapping[str, Any], workspace: Path, **options: Any
) -> dict[str, str]:
    """Step -> output digest of ``axl.run_local`` (skipped steps left out)."""
    result = axl.run_local(cls, dict(params), workspace=workspace, **options)
    assert result.ok, result.record.to_dict()
    return {
        name: step.outputs[0].digest
        for name, step in result.record.steps.items()
        if step.outputs and step.status == "succeeded"
    }


def dagster_digests(ran: Ran) -> dict[str, str]:
    return {
        name: step.outputs[0].digest
        for name, step in ran.record.steps.items()
        if step.outputs and step.status == "succeeded"
    }


def modules_loaded(prefix: str) -> list[str]:
    return sorted(name for name in sys.modules if name == prefix or name.startswith(prefix + "."))
