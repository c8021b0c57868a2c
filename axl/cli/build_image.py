"""``axl build-image``: a workflow's image (the runner, its locked dependencies, its code)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import typer

from axl.cli.common import JsonOption, TargetOption, emit_json, handle_errors
from axl.errors import UsageError


def register(app: typer.Typer) -> None:
    """Add ``axl build-image`` to the app."""
    app.command("build-image")(build_image)


@handle_errors
def build_image(
    target: str = TargetOption,
    tag: str = typer.Option(..., "--tag", "-t", help="The image name: REPOSITORY:TAG."),
    engine: str | None = typer.Option(
        None,
        "--engine",
        help="podman, docker (with buildx) or buildah (default: the first one installed).",
    ),
    base: str | None = typer.Option(
        None,
        "--base",
        help="The image to build on: an axl runner image of this axl version "
        "(default: ghcr.io/axl-workflows/runner:<version>). Pinned by ID or digest.",
    ),
    push: bool = typer.Option(
        False, "--push", help="Push the image and report its digest (for --image-from)."
    ),
    context_out: Path | None = typer.Option(
        None,
        "--context-out",
        help="Also keep the build context as this tar (.tar.gz: compressed).",
        dir_okay=False,
    ),
    workflow_path: Path | None = typer.Option(
        None,
        "--workflow-path",
        help="The project folder whose code goes into the image (default: the nearest "
        "folder with pyproject.toml or .git above the workflow file).",
    ),
    exclude: list[str] | None = typer.Option(
        None, "--exclude", help="A gitignore-style pattern to leave out of the image's code."
    ),
    size_limit: float = typer.Option(
        50.0, "--size-limit", help="Refuse code over this many MB (uncompressed)."
    ),
    uv_cache: Path | None = typer.Option(
        None,
        "--uv-cache",
        help="Build without network, installing from this uv cache (filled beforehand, "
        "e.g. UV_CACHE_DIR=DIR uv sync --frozen); podman and buildah only.",
        file_okay=False,
    ),
    ca_bundle: Path | None = typer.Option(
        None,
        "--ca-bundle",
        help="A CA bundle uv trusts for downloads during the build (behind a proxy that "
        "re-signs TLS); podman and buildah only.",
        exists=True,
        dir_okay=False,
    ),
    build_arg: list[str] | None = typer.Option(
        None, "--build-arg", help="A build argument KEY=VALUE for the engine (repeatable)."
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Build every layer again (to check that the build reproduces)."
    ),
    timeout: float = typer.Option(3600.0, "--timeout", help="Stop a build after this many s."),
    no_build: bool = typer.Option(
        False,
        "--no-build",
        help="Only write the build context (--context-out) and the report; build it elsewhere.",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Build a workflow's image reproducibly: the same sources give the same image ID."""
    from axl.dsl.loader import load_target
    from axl.ir import build as build_ir
    from axl.packaging import archive_root_for
    from axl.packaging.image_build import ImageRequest
    from axl.packaging.image_build import build_image as bake

    args = _build_args(build_arg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_target(target)
    module_file = loaded.file or Path(getattr(sys.modules[loaded.module], "__file__", "") or "")
    root = archive_root_for(module_file, workflow_path)
    built = build_ir(loaded.cls)
    request = ImageRequest(
        tag=tag,
        engine=engine,
        base=base,
        push=push,
        context_out=context_out,
        uv_cache=uv_cache,
        build_args=args,
        exclude=tuple(exclude or ()),
        size_limit=int(size_limit * 1024 * 1024),
        timeout=timeout,
        no_cache=no_cache,
        ca_bundle=ca_bundle,
        build=not no_build,
        echo=not as_json,
    )
    image = bake(loaded.cls, built.ir, module_file, root, request)
    found = [*built.warnings, *image.warnings]
    if as_json:
        report = image.to_dict()
        report["warnings"] = found
        emit_json(report)
        return
    for message in found:
        typer.echo(f"warning: {message}", err=True)
    if image.image_id is None:
        typer.echo(f"wrote the build context of {image.tag}: {image.context_path}")
    else:
        typer.echo(f"built {image.tag}: {image.image_id}")
    typer.echo(f"workflow {image.workflow} ({image.workflow_ref}), {image.hash}")
    typer.echo(f"dependencies: {image.dependencies} {image.lock_digest}")
    typer.echo(f"context: {image.context_files} files, {image.context_digest}")
    if image.reference is not None:
        typer.echo(f"pushed: {image.reference}")


def _build_args(pairs: list[str] | None) -> dict[str, str]:
    args: dict[str, str] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--build-arg {pair!r} is not KEY=VALUE", hint="e.g. --build-arg X=1")
        args[key.strip()] = value
    return args
