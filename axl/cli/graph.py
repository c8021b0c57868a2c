"""``axl graph``: a picture of a workflow's DAG (Mermaid, DOT, SVG, PNG)."""

from __future__ import annotations

import sys
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


def register(app: typer.Typer) -> None:
    """Add ``axl graph`` to the app."""
    app.command("graph")(graph)


@handle_errors
def graph(
    target: str = TargetOption,
    params_file: Path | None = ParamsFileOption,
    param: list[str] | None = ParamOption,
    fmt: str | None = typer.Option(
        None,
        "--format",
        help="mermaid (default), dot, svg or png (svg and png need Graphviz's dot); "
        "without it, --out FILE's suffix decides (.mmd, .dot, .svg, .png).",
    ),
    direction: str = typer.Option("TD", "--direction", help="TD (top-down) or LR (left-right)."),
    out: Path | None = typer.Option(
        None, "--out", dir_okay=False, help="Write here (atomically) instead of stdout."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Draw a workflow's DAG: steps with handler and badges (when, cache, retries, image),
    params as their own nodes."""
    import warnings

    from axl.dsl.loader import load_target
    from axl.dsl.params import resolve_params
    from axl.errors import UsageError
    from axl.graphs import FORMATS, SUFFIXES, TEXT_FORMATS, check_choice, render_graph
    from axl.io.atomic import write_file
    from axl.ir import build_ir

    if fmt is None:
        fmt = SUFFIXES.get(out.suffix.lower(), "mermaid") if out is not None else "mermaid"
    check_choice("--format", fmt, FORMATS)
    if out is None and fmt not in TEXT_FORMATS:
        raise UsageError(
            f"--format {fmt} is binary: it needs --out FILE",
            hint=f"pass --out graph.{fmt}, or print text with --format mermaid or dot",
        )
    with warnings.catch_warnings():  # what the workflow's definition warns of is validate's
        warnings.simplefilter("ignore")
        loaded = load_target(target)
        ir = build_ir(loaded.cls)
    values = None
    if params_file is not None or param:
        values = resolve_params(loaded.cls, cli_params(params_file, param)).to_dict()
    picture = render_graph(ir, fmt, direction=direction, values=values)
    if out is not None:
        write_file(
            str(out), picture.encode() if isinstance(picture, str) else picture, durable=False
        )
        if as_json:
            emit_json({"ok": True, "workflow": ir.name, "format": fmt, "path": str(out)})
        else:
            typer.echo(f"wrote {out} ({fmt}, {len(ir.nodes)} steps)", err=True)
        return
    assert isinstance(picture, str)
    if as_json:
        emit_json({"ok": True, "workflow": ir.name, "format": fmt, "text": picture})
    else:
        sys.stdout.write(picture)
