"""``axl package``: a deterministic code archive of a workflow's project."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from axl.cli.common import JsonOption, TargetOption, emit_json, handle_errors
from axl.dataclass_fast import dataclass


def register(app: typer.Typer) -> None:
    """Add ``axl package`` to the app."""
    app.command("package")(package)


@dataclass(frozen=True)
class PackagedCode:
    """An archive of a workflow's code and how a runner imports the workflow from it."""

    archive: Any  # axl.packaging.ArchiveResult
    root: Path
    workflow_ref: str
    sys_path_entries: tuple[str, ...]


def package_workflow(
    target: str,
    workflow_path: Path | None,
    out: Path | None,
    *,
    size_limit_mb: float = 50.0,
    exclude: list[str] | None = None,
) -> PackagedCode:
    """Archive the project holding ``target``'s workflow (shared by ``package`` and ``compile``)."""
    from axl.dsl.loader import load_target
    from axl.packaging import archive_root_for, build_archive, locate_module

    loaded = load_target(target)
    module_file = loaded.file or Path(getattr(sys.modules[loaded.module], "__file__", "") or "")
    root = archive_root_for(module_file, workflow_path)
    location = locate_module(module_file, root)
    result = build_archive(
        root,
        out,
        size_limit=int(size_limit_mb * 1024 * 1024),
        extra_patterns=tuple(exclude or ()),
    )
    return PackagedCode(
        archive=result,
        root=root,
        workflow_ref=f"{location.module}:{loaded.cls.__qualname__}",
        sys_path_entries=location.sys_path_entries,
    )


@handle_errors
def package(
    target: str = TargetOption,
    workflow_path: Path | None = typer.Option(
        None,
        "--workflow-path",
        help="The project folder to archive (default: the nearest folder with "
        "pyproject.toml or .git above the workflow file).",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Archive file (.tar.gz) or folder (default: .axl/archives/)."
    ),
    size_limit: float = typer.Option(
        50.0, "--size-limit", help="Refuse archives bigger than this many MB (uncompressed)."
    ),
    exclude: list[str] | None = typer.Option(
        None, "--exclude", help="A gitignore-style pattern to leave out (repeatable)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Build a deterministic tar.gz of a workflow's code, named by its blake3 digest."""
    packaged = package_workflow(
        target, workflow_path, out, size_limit_mb=size_limit, exclude=exclude
    )
    result = packaged.archive
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if as_json:
        emit_json(
            {
                "ok": True,
                "path": str(result.path),
                "name": result.name,
                "digest": result.digest,
                "size": result.size,
                "uncompressed_size": result.uncompressed_size,
                "files": result.files,
                "root": str(packaged.root),
                "workflow": packaged.workflow_ref,
                "warnings": list(result.warnings),
            }
        )
        return
    typer.echo(
        f"{result.path}: {result.files} files, {_size(result.size)} "
        f"({_size(result.uncompressed_size)} uncompressed) from {packaged.root}"
    )
    typer.echo(f"digest: {result.digest}")
    typer.echo(f"workflow in the archive: {packaged.workflow_ref}")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024**2:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024**2:.1f} MB"
