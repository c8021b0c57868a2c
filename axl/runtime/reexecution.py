"""A Dagster re-execution takes the results it does not recompute from the run it re-executes.

Dagster's "re-execute from failure" (or of a selection) starts a new run,
with a new run id and so a new run folder, holding only the ops it
re-executes; Dagster's own IO managers read the other ops' outputs from the
parent run. axl's ops do the same with the parent's run folder: each step
the new run leaves out and the parent recorded as succeeded, cached or skipped is
*kept*, recorded in the new run as it was (its outputs where the parent
recorded them, possibly in the folder of the parent's own parent), and a
step that reads one of its outputs reads that file, after checking that it
is the very file the parent recorded (producer and digest).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from axl.errors import ArtifactError, InfrastructureError
from axl.manifest import ManifestInput
from axl.runtime.record import CACHED, RECORD_FILE, SKIPPED, SUCCEEDED, RunRecord, StepRecord
from axl.runtime.run_folder import check_run_id


def kept_steps(
    runs: Path, parent: str | None, selected: frozenset[str] | None
) -> dict[str, StepRecord]:
    """The steps outside ``selected`` whose results run ``parent`` (in ``runs``) holds.

    Empty when there is no parent, every step runs, or the parent left no
    record here (a run of another workspace).
    """
    if parent is None or selected is None:
        return {}
    folder = runs / check_run_id(parent)
    if not (folder / RECORD_FILE).exists():
        return {}
    try:
        record = RunRecord.load(folder)
    except (OSError, ValueError) as exc:
        raise InfrastructureError(
            f"cannot read the record of Dagster run {parent} in {folder}: {exc}",
            hint="re-execute the whole run instead of a selection",
        ) from None
    reason = f"kept from Dagster run {parent}"
    return {
        name: replace(step.deep_copy(), reason=step.reason or reason)
        for name, step in record.steps.items()
        if name not in selected and step.status in (SUCCEEDED, CACHED, SKIPPED)
    }


def kept_output(step: StepRecord, file_name: str) -> Path:
    """The file named ``file_name`` that kept ``step`` wrote, checked against its record.

    Raises:
        ArtifactError: the record names no such file, or the file is not the
            one it records (changed, removed, or written by another step).
    """
    from axl.io.artifacts import verify_artifact

    hint = "re-execute the whole run instead of a selection"
    out = next((o for o in step.outputs if Path(o.path).name == file_name), None)
    if out is None:
        raise ArtifactError(
            f"step {step.name!r} was kept from an earlier run that recorded no {file_name}",
            hint=hint,
        )
    meta = verify_artifact(out.path, step=step.name)
    if meta.digest != out.digest:
        raise ArtifactError(
            f"artifact {out.path} of step {step.name!r} is not the one its run recorded "
            "(another digest)",
            hint=hint,
        )
    return Path(out.path)


def with_kept_inputs(
    inputs: tuple[ManifestInput, ...], kept: Mapping[str, StepRecord]
) -> tuple[ManifestInput, ...]:
    """``inputs`` with each artifact of a kept step read where its run wrote it.

    The runner checks such a file's digest against its sidecar, but not its
    producer's run (another run's, by design): :func:`kept_output` checked it.
    """
    if not kept:
        return inputs
    out = []
    for item in inputs:
        step = kept.get(item.ref) if item.ref is not None else None
        if item.source == "artifact" and step is not None and item.path is not None:
            path = kept_output(step, Path(item.path).name)
            out.append(replace(item, path=str(path), ref=None))
        else:
            out.append(item)
    return tuple(out)
