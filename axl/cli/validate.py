"""``axl validate``: build the IR of a workflow and summarise it."""

from __future__ import annotations

import warnings
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
)


def register(app: typer.Typer) -> None:
    """Add ``axl validate`` to the app."""
    app.command("validate")(validate)


@handle_errors
def validate(
    target: str = TargetOption,
    as_json: bool = JsonOption,
    params_file: Path | None = ParamsFileOption,
    param: list[str] | None = ParamOption,
) -> None:
    """Check a workflow: build its DAG, print steps, edges and the hash (exit 2 if invalid)."""
    from axl.dsl.loader import load_target
    from axl.dsl.params import resolve_params
    from axl.ir import build

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_target(target)
    result = build(loaded.cls)
    if params_file is not None or param:
        resolve_params(loaded.cls, cli_params(params_file, param))
    ir = result.ir
    digest = ir.compute_hash()
    if as_json:
        emit_json(
            {
                "ok": True,
                "workflow": ir.name,
                "ref": loaded.ref,
                "hash": digest,
                "nodes": [_node_summary(node) for node in ir.nodes],
                "edges": [{"from": e.source, "to": e.target, "arg": e.arg} for e in ir.edges],
                "outputs": list(ir.outputs),
                "params": [p.to_dict() for p in ir.params],
                "warnings": list(result.warnings),
            }
        )
        return
    _print_summary(ir, loaded.ref, digest, result.warnings)


def _node_summary(node: Any) -> dict[str, Any]:
    return {
        "name": node.name,
        "inputs": [
            {"name": i.name, "source": i.source, "ref": i.ref, "mode": i.mode} for i in node.inputs
        ],
        "output": {"handler": node.output.handler, "ext": node.output.ext},
        "when": node.when.text if node.when else None,
    }


def _print_summary(ir: Any, ref: str, digest: str, found: tuple[str, ...]) -> None:
    typer.echo(
        f"{ir.name} ({ref}): {_count(len(ir.nodes), 'step')}, {_count(len(ir.edges), 'edge')}"
    )
    width = max(len(node.name) for node in ir.nodes)
    for node in ir.nodes:
        sources = [
            f"{i.ref} ({i.name})" if i.source == "step" else f"param {i.ref}"
            for i in node.inputs
            if i.source != "value"
        ]
        line = f"  {node.name:<{width}}"
        if sources:
            line += "  <- " + ", ".join(sources)
        if node.when is not None:
            line += f"  [when {node.when.text}]"
        typer.echo(line.rstrip())
    typer.echo(f"hash: {digest}")
    for message in found:
        typer.echo(f"warning: {message}", err=True)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
