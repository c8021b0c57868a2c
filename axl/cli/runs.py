"""``axl runs ls|show|report|gc``: a workspace's runs, one run's steps, its HTML report, cleanup."""

from __future__ import annotations

from pathlib import Path

import typer

from axl.cli.common import JsonOption, emit_json, handle_errors
from axl.errors import UsageError
from axl.humanize import format_bytes

runs_app = typer.Typer(
    help="The runs of a workspace: list them, show one, write its HTML report, remove old ones.",
    no_args_is_help=True,
)

WorkspaceOption = typer.Option(
    Path(".axl"), "--workspace", metavar="DIR", help="Where runs are kept (runs/<run-id>/)."
)
WorkflowOption = typer.Option(None, "--workflow", help="Only the runs of this workflow (its name).")
RunIdArgument = typer.Argument(
    ...,
    metavar="RUN_ID",
    help="The run's id (axl runs ls lists them), or a prefix of it that only one run has.",
)


def register(app: typer.Typer) -> None:
    """Add ``axl runs ...`` to the app."""
    app.add_typer(runs_app, name="runs")


@runs_app.command("ls")
@handle_errors
def ls(
    workspace: Path = WorkspaceOption,
    workflow: str | None = WorkflowOption,
    as_json: bool = JsonOption,
) -> None:
    """List the runs, grouped by workflow and workflow hash, newest first."""
    from axl.humanize import format_duration, format_local
    from axl.runtime.runs_index import grouped, list_runs

    runs = [r for r in list_runs(workspace) if workflow is None or r.workflow == workflow]
    if as_json:
        emit_json({"ok": True, "workspace": str(workspace), "runs": [r.to_dict() for r in runs]})
        return
    if not runs:
        typer.echo(f"no runs in {workspace / 'runs'}")
        return
    for name, ir_hash, items in grouped(runs):
        size = sum(r.size for r in items)
        typer.echo(f"{name}  {ir_hash[:19]}  {_count(len(items))}, {format_bytes(size)}")
        for run in items:
            flags = "  (in use)" if run.in_use else ""
            typer.echo(
                f"  {run.run_id:<28} {run.status:<11} {format_local(run.started):<19} "
                f"{format_duration(run.duration_ms):>8} {format_bytes(run.size):>9}{flags}"
            )


@runs_app.command("show")
@handle_errors
def show(
    run_id: str = RunIdArgument,
    workspace: Path = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """Show one run: its status, workflow, hash, start, duration, and a line per step.

    Each step line gives its status, attempts, duration, outputs (size, type,
    handler) and notes (cache hit or miss, a result kept from an earlier
    execution, why it was skipped or not run, the error of a failed step).
    RUN_ID may be a prefix of a run id that only one run has. With --json:
    {"ok": true, "run": {...}} (the fields are in docs/reports.md).
    """
    from axl.report.model import load_run

    run = load_run(workspace, run_id)
    if as_json:
        emit_json({"ok": True, "run": run.to_dict()})
        return
    from axl.report.show import show_lines

    for line in show_lines(run):
        typer.echo(line)


@runs_app.command("report")
@handle_errors
def report(
    run_id: str = RunIdArgument,
    workspace: Path = WorkspaceOption,
    out: Path = typer.Option(
        Path("report.html"), "--out", "-o", help="The HTML file to write (replaced atomically)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Write one self-contained HTML report of a run (no network needed to view it).

    It shows the DAG coloured by step status, a timeline of the steps (start,
    duration, attempts), each step's outputs with size and type, and for
    failed steps the error and the tail of the log. RUN_ID may be a prefix of
    a run id that only one run has.
    """
    from axl.report.html import write_report
    from axl.report.model import load_run

    run = load_run(workspace, run_id)
    size = write_report(run, out)
    if as_json:
        emit_json(
            {
                "ok": True,
                "run_id": run.record.run_id,
                "status": run.record.status,
                "path": str(out),
                "size": size,
            }
        )
        return
    typer.echo(
        f"wrote {out} ({format_bytes(size)}): {run.record.workflow} run {run.record.run_id}, "
        f"{run.record.status}, "
        f"{_steps(len(run.steps))}"
    )


@runs_app.command("gc")
@handle_errors
def gc(
    keep: int = typer.Option(..., "--keep", help="Runs to keep of each workflow (the newest)."),
    workspace: Path = WorkspaceOption,
    workflow: str | None = WorkflowOption,
    include_unfinished: bool = typer.Option(
        False,
        "--include-unfinished",
        help="Also remove running, pending or unreadable runs past --keep (never one in use).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would go; remove nothing."),
    as_json: bool = JsonOption,
) -> None:
    """Remove all but the newest --keep runs of each workflow (never a run in use)."""
    from axl.runtime.runs_index import list_runs, remove_run, to_remove

    if keep < 0:
        raise UsageError(f"--keep must not be negative, not {keep}", hint="for example --keep 5")
    runs = [r for r in list_runs(workspace) if workflow is None or r.workflow == workflow]
    chosen = to_remove(runs, keep, include_unfinished=include_unfinished)
    removed = [run for run in chosen if dry_run or remove_run(run)]
    freed = sum(run.size for run in removed)
    if as_json:
        emit_json(
            {
                "ok": True,
                "dry_run": dry_run,
                "removed": [run.run_id for run in removed],
                "kept": len(runs) - len(removed),
                "freed": freed,
            }
        )
        return
    verb = "would remove" if dry_run else "removed"
    for run in removed:
        typer.echo(
            f"{verb} {run.workflow} run {run.run_id} ({run.status}, {format_bytes(run.size)})"
        )
    kept = _count(len(runs) - len(removed))
    typer.echo(f"{verb} {_count(len(removed))} ({format_bytes(freed)}), kept {kept}")


def _steps(n: int) -> str:
    return f"{n} step" + ("" if n == 1 else "s")


def _count(n: int) -> str:
    return f"{n} run" + ("" if n == 1 else "s")
