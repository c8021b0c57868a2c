"""``axl cache explain|ls|gc|clear``: a step's key and why it missed; a store's entries
and their cleanup."""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

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
from axl.errors import UsageError
from axl.humanize import format_bytes

if TYPE_CHECKING:
    from axl.runtime.cache_admin import Cleanup
    from axl.runtime.cache_store import CacheStore

cache_app = typer.Typer(
    help="The step cache: explain a key, list a store, remove old entries.", no_args_is_help=True
)

WorkspaceOption = typer.Option(
    Path(".axl"),
    "--workspace",
    metavar="DIR",
    help="Whose store to use when no --cache-store: WORKSPACE/cache.",
)
StoreOption = typer.Option(
    None,
    "--cache-store",
    help="The store: a folder or s3://BUCKET/PREFIX (credentials: AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, or AXL_CACHE_AWS_*, or AWS_PROFILE with boto3; endpoint: "
    "AWS_ENDPOINT_URL).",
)
DryRunOption = typer.Option(False, "--dry-run", help="Say what would go; remove nothing.")


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
        Path(".axl"),
        "--workspace",
        metavar="DIR",
        help="Where runs are kept (compared with the latest).",
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


@cache_app.command("ls")
@handle_errors
def ls(
    cache_store: str | None = StoreOption,
    workspace: Path = WorkspaceOption,
    as_json: bool = JsonOption,
) -> None:
    """List a store's entries, the most recently used first: key, workflow, step, size,
    age, hits and last hit."""
    from axl.runtime.cache_admin import store_for

    store = store_for(cache_store, workspace)
    entries = sorted(store.entries(), key=lambda e: (-e.last_used, e.key))
    total = sum(e.size for e in entries)
    if as_json:
        emit_json(
            {
                "ok": True,
                "store": store.url,
                "hits_counted": store.counts_hits,
                "size": total,
                "entries": [e.to_dict() for e in entries],
            }
        )
        return
    if not entries:
        typer.echo(f"no entries in {store.url}")
        return
    now = time.time()
    typer.echo(
        f"{'KEY':<16}  {'WORKFLOW':<16} {'STEP':<20} {'SIZE':>9} {'AGE':>5} {'HITS':>5}  LAST HIT"
    )
    for e in entries:
        hits = "-" if e.hits is None else str(e.hits)
        last = f"{_age(now, e.last_hit)} ago" if e.last_hit else "never"
        typer.echo(
            f"{e.key[:16]:<16}  {e.workflow or '?':<16} {e.step or '?':<20} "
            f"{format_bytes(e.size):>9} {_age(now, e.created):>5} {hits:>5}  {last}"
        )
    typer.echo(f"{_entries(len(entries))}, {format_bytes(total)} in {store.url}")
    if not store.counts_hits:
        typer.echo("hits are not counted in an S3 store: LAST HIT is the last use")


@cache_app.command("gc")
@handle_errors
def gc(
    older_than: str | None = typer.Option(
        None, "--older-than", help="Remove entries unused for this long (7d, 12h, 30m)."
    ),
    max_size: str | None = typer.Option(
        None,
        "--max-size",
        help="Then remove the least recently used until the store fits (10G, 500M, 2.5GB).",
    ),
    cache_store: str | None = StoreOption,
    workspace: Path = WorkspaceOption,
    dry_run: bool = DryRunOption,
    as_json: bool = JsonOption,
) -> None:
    """Remove entries unused for --older-than, then the least recently used over --max-size."""
    from axl.runtime.cache_admin import collect, parse_age, parse_size, store_for

    if older_than is None and max_size is None:
        raise UsageError(
            "axl cache gc needs --older-than or --max-size",
            hint="for example --older-than 7d --max-size 10G (axl cache clear removes all)",
        )
    age = parse_age(older_than) if older_than is not None else None
    size = parse_size(max_size) if max_size is not None else None
    store = store_for(cache_store, workspace)
    _report(store, collect(store, older_than=age, max_size=size, dry_run=dry_run), dry_run, as_json)


@cache_app.command("clear")
@handle_errors
def clear(
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask: remove every entry."),
    cache_store: str | None = StoreOption,
    workspace: Path = WorkspaceOption,
    dry_run: bool = DryRunOption,
    as_json: bool = JsonOption,
) -> None:
    """Remove every entry of the store (asks first on a terminal, unless --yes)."""
    from axl.runtime.cache_admin import clear as clear_store
    from axl.runtime.cache_admin import store_for

    store = store_for(cache_store, workspace)
    if not (yes or dry_run):
        if as_json or not _on_terminal():
            raise UsageError(f"not clearing the cache store {store.url}: pass --yes to remove all")
        if not typer.confirm(f"remove every entry of the cache store {store.url}?"):
            raise typer.Exit(code=1)
    _report(store, clear_store(store, dry_run=dry_run), dry_run, as_json)


def _report(store: CacheStore, done: Cleanup, dry_run: bool, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "ok": True,
                "store": store.url,
                "dry_run": dry_run,
                "removed": [e.key for e in done.removed],
                "freed": done.freed,
                "kept": done.kept,
                "size": done.kept_size,
                "swept": done.swept,
            }
        )
        return
    verb = "would remove" if dry_run else "removed"
    now = time.time()
    for e in done.removed:
        typer.echo(
            f"{verb} {e.key[:16]}  {e.workflow or '?'}.{e.step or '?'} "
            f"({format_bytes(e.size)}, last used {_age(now, e.last_used)} ago)"
        )
    typer.echo(
        f"{verb} {_entries(len(done.removed))} ({format_bytes(done.freed)}), "
        f"kept {_entries(done.kept)} ({format_bytes(done.kept_size)}) in {store.url}"
    )


def _on_terminal() -> bool:
    return sys.stdin.isatty()


def _entries(n: int) -> str:
    return f"{n} entr" + ("y" if n == 1 else "ies")


def _age(now: float, then: float | None) -> str:
    """``40s``, ``12m``, ``5h``, ``3d`` since ``then`` (``-`` when unknown)."""
    if not then:
        return "-"
    seconds = max(0.0, now - then)
    for unit, length in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= length:
            return f"{seconds // length:.0f}{unit}"
    return f"{seconds:.0f}s"
