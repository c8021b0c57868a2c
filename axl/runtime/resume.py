"""``--only`` and ``--resume``: continue a run from what it already holds.

The rule: a step's recorded result is kept only while its output files
check out (digest, and a sidecar naming this step and this run) and its key
(what it consumed) matches the inputs present now. Otherwise ``--resume``
reruns it, and ``--only`` leaves it marked ``stale``. Params are the run's
own: changing them means a new run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from axl.errors import ArtifactError, UsageError
from axl.ir import IRWorkflow
from axl.runtime.local_options import LocalOptions
from axl.runtime.record import (
    NOT_RUN,
    PENDING,
    RECORD_FILE,
    SETTLED,
    STALE,
    RunRecord,
    StepRecord,
)
from axl.runtime.run_folder import has_record


def previous_record(run_dir: Path, options: LocalOptions) -> RunRecord | None:
    """The record ``--only``/``--resume`` continue from; refuse to reuse a finished run's id."""
    if not (options.only or options.resume):
        if has_record(run_dir):
            raise UsageError(
                f"run {run_dir.name} already exists in {run_dir.parent}",
                hint="choose a new --run-id (or none), or continue that run with --resume "
                "(--only STEP reruns one step)",
            )
        return None
    if not options.run_id:
        raise UsageError("--only and --resume need the --run-id of an earlier run")
    if options.resume and not (run_dir / RECORD_FILE).exists():
        return None  # killed before its first record: nothing to keep, run it all
    return RunRecord.load(run_dir)


def run_params(
    workspace: Path, run_id: str | None, given: Mapping[str, Any], *, continuing: bool
) -> dict[str, Any]:
    """The params of a run: ``given``, or the earlier run's when continuing it.

    Raises :class:`UsageError` when ``given`` would change the earlier run's params.
    """
    if not continuing or not run_id:
        return dict(given)
    path = workspace / "runs" / run_id
    if not (path / RECORD_FILE).exists():
        return dict(given)
    previous = RunRecord.load(path)
    check_same_params(previous, given)
    return dict(previous.params)


def check_same_params(previous: RunRecord, given: Mapping[str, Any]) -> None:
    """Refuse params that differ from the earlier run's (its results depend on them)."""
    changed = sorted(k for k, v in given.items() if previous.params.get(k, _ABSENT) != v)
    if changed:
        raise UsageError(
            f"run {previous.run_id} was made with other params ({', '.join(changed)}): "
            "--resume and --only keep a run's params",
            hint="start a new run for other params (another --run-id, or none)",
        )


_ABSENT = object()


def output_problem(step: StepRecord, run_id: str) -> str | None:
    """Why a finished step's outputs cannot be trusted, or ``None`` when they check out."""
    from axl.io.artifacts import verify_artifact

    for out in step.outputs:
        try:
            meta = verify_artifact(out.path)
        except ArtifactError as exc:
            return exc.message
        if meta.step != step.name or meta.run_id not in (None, run_id):
            return (
                f"artifact {out.path} was written by step {meta.step!r} of run {meta.run_id}, "
                f"not by step {step.name!r} of run {run_id}"
            )
        if meta.digest != out.digest:
            return f"artifact {out.path} is not the one the step wrote (another digest)"
    return None


def reuse_previous(
    records: dict[str, StepRecord],
    ir: IRWorkflow,
    previous: RunRecord | None,
    options: LocalOptions,
    current_key: Any,
) -> set[str]:
    """Keep the earlier run's valid results; the names of the steps kept.

    ``current_key(name)`` gives a step's key from the inputs present now, or
    ``None`` while an upstream step is still to run.
    """
    if previous is None:
        return set()
    only = options.only
    if only is not None and not ir.has_node(only):
        raise UsageError(
            f"--only {only!r}: workflow {ir.name!r} has no such step",
            hint=f"steps: {', '.join(n.name for n in ir.nodes)}",
        )
    kept: set[str] = set()
    for name in ir.topological_order():
        old = previous.steps.get(name)
        if name == only:
            continue
        if old is None or old.status not in SETTLED:
            if only is not None:
                records[name] = old or StepRecord(name=name, status=NOT_RUN)
                if records[name].status == PENDING:
                    records[name].status = NOT_RUN
                    records[name].reason = "not selected by --only"
            continue
        records[name] = old.deep_copy()
        problem = output_problem(old, previous.run_id)
        if problem is None:
            key = current_key(name)
            if key is not None and key != old.key:
                problem = "an input, param or its code changed since it ran"
        if problem is None:
            kept.add(name)
        elif only is None:
            records[name] = StepRecord(name=name, reason=f"rerun: {problem}")
        else:
            records[name].status = STALE
            records[name].reason = f"{problem}; --resume reruns it"
    if only is not None:
        missing = [up for up in ir.upstream(only) if up not in kept]
        if missing:
            raise UsageError(
                f"--only {only!r}: upstream step(s) {', '.join(missing)} have no current "
                f"results in run {previous.run_id}",
                hint="use --resume to run them too",
            )
    return kept
