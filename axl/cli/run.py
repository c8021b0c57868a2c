"""``axl run local``: run a workflow on this machine."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import typer

from axl.cli.common import (
    JsonOption,
    ParamOption,
    ParamsFileOption,
    TargetOption,
    cli_params,
    emit_json,
    handle_errors,
    one_line_warnings,
)
from axl.errors import EXIT_FAILED, EXIT_OK, EXIT_USER_CODE

run_app = typer.Typer(help="Run a workflow.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``axl run ...`` to the app."""
    app.add_typer(run_app, name="run")


@run_app.command("local")
@handle_errors
def local(
    target: str = TargetOption,
    params_file: Path | None = ParamsFileOption,
    param: list[str] | None = ParamOption,
    max_parallel: int | None = typer.Option(
        None, "--max-parallel", min=1, help="Steps at once (default: the number of cores)."
    ),
    workspace: Path = typer.Option(
        Path(".axl"),
        "--workspace",
        metavar="DIR",
        help="Where runs are kept (runs/<run-id>/<step>/).",
    ),
    run_id: str | None = typer.Option(None, "--run-id", help="Name of this run."),
    as_json: bool = JsonOption,
    isolation: str | None = typer.Option(
        None,
        "--isolation",
        help="worker (default: long-lived worker processes, fastest), fork (a fresh "
        "process per step) or subprocess (a new interpreter per step, like a pod).",
    ),
    workflow_archive: Path | None = typer.Option(
        None, "--workflow-archive", help="Run the code from this archive (axl package)."
    ),
    archive_digest: str | None = typer.Option(
        None, "--archive-digest", help="Expected blake3 digest of --workflow-archive."
    ),
    only: str | None = typer.Option(
        None, "--only", help="Rerun one step of --run-id, reusing its upstream results."
    ),
    resume: bool = typer.Option(False, "--resume", help="Rerun what did not succeed in --run-id."),
    packages: str = typer.Option(
        "check", "--packages", help="Step packages: check (default), install (with uv) or none."
    ),
    cache_store: str | None = typer.Option(
        None,
        "--cache-store",
        help="Where cache=True steps keep results: a folder or s3://BUCKET/PREFIX "
        "(default: the workflow's cache_store, else WORKSPACE/cache).",
    ),
    cache_endpoint: str | None = typer.Option(
        None,
        "--cache-endpoint",
        help="The cache store's S3 endpoint URL "
        "(default: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS).",
    ),
    fsync: bool = typer.Option(
        False,
        "--fsync",
        help="fsync every artifact (durable across power loss; slower). "
        "Writes are atomic and digest-checked either way.",
    ),
    metrics_file: Path | None = typer.Option(
        None,
        "--metrics-file",
        dir_okay=False,
        help="When the run ends, write step durations, statuses and attempts here "
        "(Prometheus text format).",
    ),
) -> None:
    """Run a workflow locally; independent steps run in parallel.

    Ctrl-C or SIGTERM stops the steps and records the run as cancelled (exit
    130 or 143); ``--resume`` continues it.
    """
    from axl.runtime.api import run_local
    from axl.runtime.interrupts import RunInterrupted
    from axl.runtime.progress import LiveProgress, PlainProgress

    params = cli_params(params_file, param)
    if cache_endpoint is not None:
        from axl.cli.compile_cache import endpoint_url

        cache_endpoint = endpoint_url(cache_endpoint, None)
    progress: Any
    if as_json:
        progress = PlainProgress(sys.stderr) if sys.stderr.isatty() else None
    elif sys.stdout.isatty():
        progress = LiveProgress()
    else:
        progress = PlainProgress()
    try:
        with one_line_warnings(), progress or contextlib.nullcontext():
            result = run_local(
                target,
                params,
                max_parallel=max_parallel,
                workspace=workspace,
                run_id=run_id,
                isolation=isolation,
                durable=fsync,
                packages_policy=packages,
                workflow_archive=workflow_archive,
                archive_digest=archive_digest,
                only=only,
                resume=resume,
                listener=progress,
                cache_store=cache_store,
                cache_endpoint=cache_endpoint,
            )
    except RunInterrupted as stop:
        if metrics_file is not None and stop.record is not None:
            _write_metrics(stop.record, metrics_file)
        _print_cancelled(stop, target, workspace, as_json)
        raise typer.Exit(stop.exit_code) from None
    except KeyboardInterrupt:  # before the run began: nothing was recorded
        _report(
            {"code": "cancelled", "message": "interrupted before the run started", "hint": None},
            as_json,
        )
        raise typer.Exit(130) from None
    if metrics_file is not None:
        _write_metrics(result.record, metrics_file)
    code = _exit_code(result)
    if as_json:
        summary = _summary(result)
        if not result.ok:
            summary["error"] = _run_error(result, target, workspace)
        emit_json(summary)
        if not result.ok:
            _print_failures(result, target, workspace)  # on stderr, beside the JSON
    else:
        _print_end(result, target, workspace)
    raise typer.Exit(code)


def _write_metrics(record: Any, path: Path) -> None:
    from axl.runtime.metrics import write_metrics

    write_metrics(record, path)


def _report(error: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json({"ok": False, "error": error})
    else:
        typer.echo(f"error: {error['message']}", err=True)


def _resume_command(target: str, run_id: str, workspace: Path, *extra: str) -> str:
    command = ["axl", "run", "local", "-m", target, "--run-id", run_id, *extra]
    if workspace != Path(".axl"):
        command += ["--workspace", str(workspace)]
    import shlex

    return shlex.join(command)


def _print_cancelled(stop: Any, target: str, workspace: Path, as_json: bool) -> None:
    record = stop.record
    if record is None:
        _report({"code": "cancelled", "message": f"cancelled by {stop}", "hint": None}, as_json)
        return
    counts: dict[str, int] = {}
    for step in record.steps.values():
        counts[step.status] = counts.get(step.status, 0) + 1
    detail = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in sorted(counts.items()))
    resume = _resume_command(target, record.run_id, workspace, "--resume")
    message = f"run {record.run_id} cancelled by {stop} ({detail})"
    if as_json:
        emit_json(
            {
                "ok": False,
                "run_id": record.run_id,
                "status": record.status,
                "run_dir": record.run_dir,
                "steps": {name: {"status": s.status} for name, s in record.steps.items()},
                "error": {"code": "cancelled", "message": message, "hint": f"resume: {resume}"},
            }
        )
    typer.echo(f"error: {message}\n  resume: {resume}", err=True)


def _run_error(result: Any, target: str, workspace: Path) -> dict[str, Any]:
    """The ``error`` object of a failed run's JSON answer: its first failure."""
    for name in result.failed_steps():
        step = result.record.steps[name]
        error = step.error or {}
        return {
            "code": error.get("code", "step_failed"),
            "message": f"step {name!r} failed: {error.get('message', 'unknown error')}",
            "hint": error.get("hint") or f"log: {step.log}",
            "step": name,
            "exit_code": error.get("exit_code"),
        }
    return {
        "code": "incomplete",
        "message": _incomplete_message(result),
        "hint": f"finish it: {_resume_command(target, result.run_id, workspace, '--resume')}",
    }


def _incomplete_message(result: Any) -> str:
    left = result.unfinished_steps()
    listing = "; ".join(
        f"{status.replace('_', ' ')}: {', '.join(names)}" for status, names in left.items()
    )
    return f"run {result.run_id} did not finish ({listing})"


def _exit_code(result: Any) -> int:
    if result.ok:
        return EXIT_OK
    for name in result.failed_steps():
        error = result.record.steps[name].error or {}
        return int(error.get("exit_code") or EXIT_USER_CODE)
    return EXIT_FAILED


def _final_value(result: Any) -> tuple[bool, Any]:
    try:
        value = result.value
        json.dumps(value, allow_nan=False)
    except Exception:
        return False, None
    return True, value


def _summary(result: Any) -> dict[str, Any]:
    steps = {}
    for name, step in result.record.steps.items():
        steps[name] = {
            "status": step.status,
            "duration_ms": step.duration_ms,
            "attempts": step.attempts,
            "outputs": [o.to_dict() for o in step.outputs],
            "error": step.error,
            "reason": step.reason,
            "log": step.log,
        }
    out: dict[str, Any] = {
        "ok": result.ok,
        "run_id": result.run_id,
        "status": result.status,
        "workflow": result.ir.name,
        "run_dir": str(result.run_dir),
        "duration_ms": result.record.duration_ms,
        "steps": steps,
        "final_step": result.final_step,
    }
    if result.ok:
        has_value, value = _final_value(result)
        if has_value:
            out["value"] = value
    return out


def _print_end(result: Any, target: str, workspace: Path) -> None:
    record = result.record
    seconds = (record.duration_ms or 0) / 1000
    if result.ok:
        typer.echo(f"run {result.run_id} succeeded in {seconds:.2f} s ({len(record.steps)} steps)")
        has_value, value = _final_value(result)
        if has_value:
            typer.echo(f"result: {result.final_step} = {value}")
        typer.echo(f"artifacts: {result.run_dir}")
        return
    _print_failures(result, target, workspace)


def _print_failures(result: Any, target: str, workspace: Path) -> None:
    record = result.record
    failed = result.failed_steps()
    for name in failed:
        step = record.steps[name]
        error = step.error or {}
        if error.get("code") == "artifact":  # an input is corrupt: its producer reruns first
            how = "rerun what is corrupt or missing"
            rerun = _resume_command(target, result.run_id, workspace, "--resume")
        else:
            how = "rerun this step"
            rerun = _resume_command(target, result.run_id, workspace, "--only", name)
        lines = [
            f"error: step {name!r} failed after {step.attempts} attempt(s): "
            f"{error.get('message', 'unknown error')}",
            f"  log: {step.log}",
            f"  {how}: {rerun}",
        ]
        if error.get("hint"):
            lines.insert(1, f"  hint: {error['hint']}")
        typer.echo("\n".join(lines), err=True)
    if not failed:
        resume = _resume_command(target, result.run_id, workspace, "--resume")
        typer.echo(f"error: {_incomplete_message(result)}\n  finish it: {resume}", err=True)
