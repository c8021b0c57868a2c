"""``axl kfp upload`` and ``axl kfp run``: a workflow on a Kubeflow Pipelines server.

Both compile exactly as ``axl compile --target kfp`` does (the target's
flags after the command's own, the same bytes), name the version after the
workflow hash and the compiled file (:func:`axl.deploy.kfp.pipeline_digest`)
and upload it unless the server has it already; ``run`` then
starts a run of that version with the params typed as the workflow declares
them. The server side is :mod:`axl.deploy.kfp`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand

from axl.cli.common import (
    JsonOption,
    ParamOption,
    ParamsFileOption,
    TargetOption,
    cli_params,
    emit_json,
    handle_errors,
)
from axl.dataclass_fast import dataclass
from axl.errors import EXIT_FAILED, UsageError

if TYPE_CHECKING:
    from axl.compiler.target import Compiled
    from axl.deploy.kfp import UploadedVersion
    from axl.ir import IRWorkflow

kfp_app = typer.Typer(
    help="Kubeflow Pipelines: upload a workflow as a pipeline version, and run it.",
    no_args_is_help=True,
)

DEFAULT_TIMEOUT = 3600.0
"""Seconds ``axl kfp run --wait`` waits without ``--timeout``."""

_TARGET_FLAGS = {"allow_extra_args": True, "ignore_unknown_options": True}

HostOption = typer.Option(
    ...,
    "--host",
    help="The KFP API URL, e.g. http://localhost:8888 (a port-forwarded ml-pipeline).",
)
NamespaceOption = typer.Option(
    None, "--namespace", help="The user namespace of a multi-user KFP (its pipelines and runs)."
)
PipelineNameOption = typer.Option(
    None,
    "--pipeline-name",
    help="The pipeline's name on the server (default: the compiled pipeline's, from --name "
    "or the workflow).",
)
TokenOption = typer.Option(
    None,
    "--existing-token",
    help="A bearer token for the API (default: the KFP_TOKEN environment variable, which "
    "unlike a flag does not show in the process list).",
    show_default=False,
)


class _KfpCommand(TyperCommand):
    """Lists the KFP target's compile options under the help."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from axl.compiler.registry import get_target
        from axl.compiler.target import flags_help

        listing = flags_help([get_target("kfp")]).replace("\n", "\n\n")
        self.epilog = "Compile options (as axl compile takes them):\n\n" + listing
        super().format_help(ctx, formatter)


def register(app: typer.Typer) -> None:
    """Add ``axl kfp ...`` to the app."""
    app.add_typer(kfp_app, name="kfp")


@dataclass(frozen=True)
class _Pipeline:
    """A workflow compiled for KFP, and the names it goes by on the server."""

    cls: type
    ir: IRWorkflow
    compiled: Compiled
    name: str
    version: str
    warnings: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.compiled.text.encode("utf-8"))


@kfp_app.command("upload", cls=_KfpCommand, context_settings=_TARGET_FLAGS)
@handle_errors
def upload(
    ctx: typer.Context,
    module: str = TargetOption,
    host: str = HostOption,
    namespace: str | None = NamespaceOption,
    pipeline_name: str | None = PipelineNameOption,
    existing_token: str | None = TokenOption,
    as_json: bool = JsonOption,
) -> None:
    """Upload a workflow as a pipeline version named after its hash (once: an unchanged
    workflow and spec send nothing)."""
    pipeline = _compile(ctx.args, module, pipeline_name)
    _, uploaded = _upload(pipeline, host, namespace, existing_token)
    if as_json:
        emit_json({"ok": True, **_upload_report(pipeline, host, uploaded)})
        return
    _print_upload(pipeline, host, uploaded)


@kfp_app.command("run", cls=_KfpCommand, context_settings=_TARGET_FLAGS)
@handle_errors
def run(
    ctx: typer.Context,
    module: str = TargetOption,
    host: str = HostOption,
    namespace: str | None = NamespaceOption,
    pipeline_name: str | None = PipelineNameOption,
    existing_token: str | None = TokenOption,
    experiment: str | None = typer.Option(
        None,
        "--experiment",
        help="The experiment to run in (created when absent; default: the server's default).",
    ),
    params_file: Path | None = ParamsFileOption,
    param: list[str] | None = ParamOption,
    run_name: str | None = typer.Option(
        None, "--run-name", help="The run's name (default: the version's)."
    ),
    wait: bool = typer.Option(
        False, "--wait", help="Wait for the run to end; exit 1 unless it succeeded."
    ),
    timeout: float | None = typer.Option(
        None,
        "--timeout",
        min=0,
        help=f"With --wait: stop waiting after this many seconds (default {DEFAULT_TIMEOUT:g}).",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Upload as axl kfp upload does (nothing when the code is unchanged), then run that
    version."""
    from axl.deploy.kfp import SUCCEEDED, start_run, wait_run
    from axl.deploy.kfp_params import run_parameters

    if timeout is not None and not wait:
        raise UsageError("--timeout needs --wait", hint="add --wait, or leave --timeout out")
    pipeline = _compile(ctx.args, module, pipeline_name)
    values = run_parameters(pipeline.cls, pipeline.ir, cli_params(params_file, param))
    client, uploaded = _upload(pipeline, host, namespace, existing_token)
    name = run_name or pipeline.version
    run_id = start_run(
        client,
        pipeline_id=uploaded.pipeline_id,
        version_id=uploaded.version_id,
        params=values,
        experiment=experiment,
        run_name=name,
    )
    state = (
        wait_run(client, run_id, DEFAULT_TIMEOUT if timeout is None else timeout) if wait else None
    )
    ok = state in (None, SUCCEEDED)
    failure = f"run {run_id} ended {state}"
    if as_json:
        report = _upload_report(pipeline, host, uploaded)
        report["run"] = {
            "id": run_id,
            "name": name,
            "experiment": experiment,
            "params": values,
            "state": state,
        }
        if not ok:
            report["error"] = {"code": "run_failed", "message": failure, "hint": _RUN_HINT}
        emit_json({"ok": ok, **report})
    else:
        _print_upload(pipeline, host, uploaded)
        where = f"experiment {experiment!r}" if experiment else "the default experiment"
        shown = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "none"
        typer.echo(f"run {run_id} started: {name} in {where} (params: {shown})")
        if ok and state is not None:
            typer.echo(f"run {run_id} {state}")
        elif not ok:
            typer.echo(f"error: {failure}\n  hint: {_RUN_HINT}", err=True)
    if not ok:
        raise typer.Exit(EXIT_FAILED)


_RUN_HINT = "its steps' logs are in the KFP UI (Runs)"


def _compile(args: list[str], module: str, pipeline_name: str | None) -> _Pipeline:
    """Compile as ``axl compile --target kfp`` with the target flags in ``args``, then check."""
    from axl.compiler.kfp.options import check_pipeline_name
    from axl.compiler.registry import get_target
    from axl.compiler.target import parse_flags
    from axl.deploy.kfp import pipeline_digest, version_name
    from axl.dsl.loader import load_target
    from axl.ir import build

    target = get_target("kfp")
    options = target.options(parse_flags(target, args))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_target(module)
    built = build(loaded.cls)
    compiled = target.compile(built.ir, options)
    found = (*built.warnings, *compiled.warnings, *target.check(compiled))
    name = check_pipeline_name(pipeline_name or options.name or built.ir.name)
    version = version_name(name, pipeline_digest(compiled.text, compiled.hash))
    return _Pipeline(loaded.cls, built.ir, compiled, name, version, found)


def _upload(
    pipeline: _Pipeline, host: str, namespace: str | None, token: str | None
) -> tuple[Any, UploadedVersion]:
    from axl.deploy.kfp import connect, upload

    client = connect(host, namespace=namespace, token=token)
    uploaded = upload(
        client,
        spec_text=pipeline.compiled.text,
        pipeline_name=pipeline.name,
        version_name=pipeline.version,
        description=f"axl workflow {pipeline.ir.ref} ({pipeline.compiled.hash})",
    )
    return client, uploaded


def _upload_report(pipeline: _Pipeline, host: str, uploaded: UploadedVersion) -> dict[str, Any]:
    from axl.deploy.kfp import host_label

    return {
        "host": host_label(host.strip().rstrip("/")),
        "workflow": pipeline.ir.name,
        "hash": pipeline.compiled.hash,
        "bytes": pipeline.size,
        "pipeline": uploaded.pipeline_name,
        "pipeline_id": uploaded.pipeline_id,
        "version": uploaded.version_name,
        "version_id": uploaded.version_id,
        "created": uploaded.created,
        "warnings": list(pipeline.warnings),
    }


def _print_upload(pipeline: _Pipeline, host: str, uploaded: UploadedVersion) -> None:
    from axl.deploy.kfp import host_label

    host = host_label(host.strip().rstrip("/"))
    if uploaded.created:
        what = f"uploaded ({pipeline.size:,} bytes)"
    else:
        what = "already there (same workflow and spec): nothing uploaded"
    typer.echo(
        f"pipeline {uploaded.pipeline_name} on {host}: version {uploaded.version_name} {what}"
    )
    typer.echo(f"  pipeline id {uploaded.pipeline_id}, version id {uploaded.version_id}")
    for message in pipeline.warnings:
        typer.echo(f"warning: {message}", err=True)
