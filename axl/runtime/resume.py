"""``--only`` and ``--resume``: start a run from the results of an earlier one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from axl.errors import UsageError
from axl.ir import IRWorkflow
from axl.runtime.record import DONE_OK, NOT_RUN, SKIPPED, RunRecord, StepRecord

if TYPE_CHECKING:
    from axl.runtime.local import LocalOptions


def previous_record(run_dir: Path, options: LocalOptions) -> RunRecord | None:
    """The record of the run named by ``--run-id`` when resuming, else ``None``."""
    if not (options.only or options.resume):
        return None
    if not options.run_id:
        raise UsageError("--only and --resume need the --run-id of an earlier run")
    return RunRecord.load(run_dir)


def reuse_previous(
    records: dict[str, StepRecord],
    ir: IRWorkflow,
    previous: RunRecord | None,
    options: LocalOptions,
) -> None:
    """For ``--only``/``--resume``: keep the earlier run's finished steps as they are."""
    if previous is None:
        return
    if options.only is not None and not ir.has_node(options.only):
        raise UsageError(
            f"--only {options.only!r}: workflow {ir.name!r} has no such step",
            hint=f"steps: {', '.join(n.name for n in ir.nodes)}",
        )
    for name, step in records.items():
        old = previous.steps.get(name)
        keep = old is not None and old.status in (*DONE_OK, SKIPPED)
        if options.only is not None:
            keep = name != options.only and keep
        if keep and old is not None and all(Path(o.path).exists() for o in old.outputs):
            records[name] = old
        elif options.only is not None and name != options.only:
            step.status = NOT_RUN
            step.reason = "not selected by --only"
    if options.only is not None:
        missing = [
            up for up in ir.upstream(options.only) if records[up].status not in (*DONE_OK, SKIPPED)
        ]
        if missing:
            raise UsageError(
                f"--only {options.only!r}: upstream step(s) {', '.join(missing)} have no "
                f"results in run {previous.run_id}",
                hint="use --resume to run them too",
            )
