"""``axl cache explain``: a step's cache key, its parts, and which part changed since."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import typer

from axl.cli.common import (
    JsonOption,
    ParamOption,
    ParamsFileOption,
    TargetOption,
    cli_params,
    emit_json,
    handle_errors,
)

cache_app = typer.Typer(help="Inspect the step cache.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``axl cache ...`` to the app."""
    app.add_typer(cache_app, name="cache")


@cache_app.command("explain")
@handle_errors
def explain(
    target: str = TargetOption,
    step: str = typer.Option(..., "--step", help="The cached step to explain."),
    params_file: Path | None = ParamsFileOption,
    param: list[str] | None = ParamOption,
    workspace: Path = typer.Option(
        Path(".axl"), "--workspace", help="Where runs are kept (compared with the latest)."
    ),
    cache_store: str | None = typer.Option(
        None, "--cache-store", help="The store a run would use (as on axl run local)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Print a step's cache key and its parts, and which part changed since the last run."""
    from axl.dsl.loader import load_target
    from axl.dsl.params import resolve_params, wire_params
    from axl.ir import build_ir
    from axl.runtime.cache_explain import explain as explain_step
    from axl.runtime.local_options import LocalOptions

    with warnings.catch_warnings():  # what the workflow's definition warns of is validate's
        warnings.simplefilter("ignore")
        loaded = load_target(target)
        ir = build_ir(loaded.cls)
    given = wire_params(loaded.cls.name, cli_params(params_file, param))
    resolve_params(loaded.cls, given)
    options = LocalOptions(workspace=workspace, cache_store=cache_store or loaded.cls.cache_store)
    found = explain_step(ir, step, given, options)
    if as_json:
        emit_json({"ok": True, **found.to_dict()})
        return
    typer.echo(f"step {found.step}: key {found.key or 'unknown (an input is not computed yet)'}")
    for name, digest in found.digests.items():
        value = json.dumps(found.parts[name], sort_keys=True)
        shown = value if len(value) <= 80 else value[:77] + "..."
        mark = "*" if name in found.changed else " "
        typer.echo(f" {mark} {name:<12} {digest[:19]}  {shown}")
    if found.missing_inputs:
        typer.echo(f"inputs not computed by any run yet: {', '.join(found.missing_inputs)}")
    if found.previous_run is None:
        typer.echo("no earlier run in this workspace recorded this step's key")
    elif not found.changed:
        typer.echo(f"unchanged since run {found.previous_run}: a hit")
    else:
        typer.echo(f"changed since run {found.previous_run} (*): {', '.join(found.changed)}")
