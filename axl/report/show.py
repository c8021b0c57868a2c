"""``axl runs show``'s text: the run's facts, then one aligned line per step."""

from __future__ import annotations

from axl.humanize import format_bytes, format_duration, format_local, short_type
from axl.report.model import FAILED_STATES, RunView, StepView

_HEAD = ("STEP", "STATUS", "ATTEMPTS", "DURATION", "OUTPUTS", "NOTES")
_RIGHT = {2, 3}
"""Columns aligned right (numbers)."""


def show_lines(run: RunView) -> list[str]:
    """The lines ``axl runs show`` prints for ``run``."""
    counts = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in run.counts())
    facts = [
        ("workflow", f"{run.record.workflow} ({run.record.ref})"),
        ("target", run.record.target),
        ("hash", run.record.ir_hash),
        ("started", format_local(run.record.started)),
        ("duration", format_duration(run.record.duration_ms)),
        ("steps", f"{len(run.steps)}: {counts}" if run.steps else "0"),
        ("error", run.record.error.get("message") if run.record.error else None),
        ("path", run.path),
    ]
    lines = [f"run {run.record.run_id}: {run.record.status}"]
    lines += [f"  {name:<9} {value}" for name, value in facts if value]
    if not run.steps:
        return lines
    rows = [_HEAD, *(_row(step) for step in run.steps)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEAD) - 1)]
    lines.append("")
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in _RIGHT else cell.ljust(widths[i])
            for i, cell in enumerate(row[:-1])
        ]
        lines.append(("  " + "  ".join(cells) + "  " + row[-1]).rstrip())
    for step in run.steps:
        if step.log and step.status in FAILED_STATES:
            lines.append(f"  log of {step.name}: {step.log}")
    return lines


def _row(step: StepView) -> tuple[str, ...]:
    outputs = "; ".join(
        f"{out.name} {format_bytes(out.size)} {short_type(out.python_type)} ({out.handler})"
        for out in step.record.outputs
    )
    duration = format_duration(step.record.duration_ms) if step.record.started is not None else "-"
    return (
        step.name,
        step.status,
        str(step.record.attempts),
        duration,
        outputs or "-",
        step.notes,
    )
