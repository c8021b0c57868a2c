"""``axl compile``: compile a workflow for a target of the registry (Argo Workflows today).

The command knows no target by name: generic flags (the workflow, where to
write, the code archive) are declared here; every other flag belongs to the
target (``--kind`` of ``argo``...) and is parsed by it.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

from axl.cli.code_delivery import (
    CodeShipment,
    check_code_flags,
    code_report,
    package_code,
    parse_endpoint,
    print_code,
    upload_code,
)
from axl.cli.common import JsonOption, TargetOption, emit_json, handle_errors
from axl.cli.compile_cache import cache_options, check_store, endpoint_url
from axl.errors import UsageError


class _CompileCommand(TyperCommand):
    """Lists every target and its options under the help, computed only when help is asked."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from axl.compiler.registry import all_targets
        from axl.compiler.target import flags_help

        self.epilog = "Targets and their options:\n\n" + flags_help(all_targets()).replace(
            "\n", "\n\n"
        )
        super().format_help(ctx, formatter)


def register(app: typer.Typer) -> None:
    """Add ``axl compile`` to the app."""
    app.command(
        "compile",
        cls=_CompileCommand,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(compile_workflow)


@handle_errors
def compile_workflow(
    ctx: typer.Context,
    module: str = TargetOption,
    target: str = typer.Option(
        ..., "--target", help="What to compile for (the targets are listed below)."
    ),
    out: str = typer.Option("-", "--out", "-o", help="File to write ('-': standard output)."),
    code_bucket: str | None = typer.Option(
        None,
        "--code-bucket",
        help="Ship the workflow's code as an archive under s3://BUCKET/PREFIX "
        "(uploaded once per content); the pods extract it before each step.",
    ),
    workflow_path: Path | None = typer.Option(
        None,
        "--workflow-path",
        help="The project folder to archive (default: the nearest folder with "
        "pyproject.toml or .git above the workflow file).",
    ),
    s3_endpoint: str | None = typer.Option(
        None,
        "--s3-endpoint",
        help="S3 endpoint URL to upload to (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS).",
    ),
    artifact_endpoint: str | None = typer.Option(
        None,
        "--artifact-endpoint",
        help="The S3 endpoint as the pods reach it (http://HOST:PORT is insecure): "
        "written with the bucket into the output (default: the artifact repository's).",
    ),
    s3_secret: str | None = typer.Option(
        None,
        "--s3-secret",
        help="Kubernetes Secret with keys accessKey and secretKey for --artifact-endpoint.",
    ),
    no_upload: bool = typer.Option(
        False,
        "--no-upload",
        help="Write the archive next to the output and print the key to upload it to.",
    ),
    size_limit: float = typer.Option(
        50.0, "--size-limit", help="Refuse code archives over this many MB (uncompressed)."
    ),
    exclude: list[str] | None = typer.Option(
        None, "--exclude", help="A gitignore-style pattern to leave out of the code archive."
    ),
    no_lint: bool = typer.Option(False, "--no-lint", help="Write the output without checking it."),
    image_from: Path | None = typer.Option(
        None,
        "--image-from",
        help="The report of axl build-image --push --json: steps that set no image run "
        "that image, by digest (it must hold this version of the workflow).",
        dir_okay=False,
    ),
    cache_store: str | None = typer.Option(
        None,
        "--cache-store",
        help="Where cache=True steps keep results: s3://BUCKET/PREFIX, shared with "
        "axl run local (a folder for --target dagster; default: the workflow's cache_store).",
    ),
    cache_secret: str | None = typer.Option(
        None,
        "--cache-secret",
        help="Kubernetes Secret with keys accessKey and secretKey for the cache store "
        "(default: --s3-secret; none: the pods' own credentials).",
    ),
    cache_endpoint: str | None = typer.Option(
        None,
        "--cache-endpoint",
        help="The cache store's S3 endpoint URL as the steps reach it "
        "(default: --artifact-endpoint, else AWS or the pods' AWS_ENDPOINT_URL).",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Compile a workflow for an orchestrator (exit 1 if the check of the output finds errors)."""
    from axl.compiler.registry import get_target
    from axl.compiler.target import parse_flags

    chosen = get_target(target)
    values = parse_flags(chosen, ctx.args)
    baked = _image_from(chosen, values, image_from)
    options = chosen.options(values)
    if as_json and out == "-":
        raise UsageError(
            "--json prints a report on standard output, so the output needs a file",
            hint="pass --out FILE",
        )
    check_code_flags(
        code_bucket,
        {
            "--workflow-path": workflow_path,
            "--s3-endpoint": s3_endpoint,
            "--artifact-endpoint": artifact_endpoint,
            "--s3-secret": s3_secret,
            "--no-upload": no_upload,
            "--exclude": exclude,
        },
    )
    if s3_secret and not artifact_endpoint:
        raise UsageError(
            "--s3-secret needs --artifact-endpoint",
            hint="without an endpoint the pods read the code with the artifact repository's "
            "own credentials; leave --s3-secret out, or give both",
        )
    if no_upload and out == "-":
        raise UsageError(
            "--no-upload writes the archive next to the YAML, so the YAML needs a file",
            hint="pass --out FILE",
        )
    store = check_store(cache_store)
    endpoint = parse_endpoint(artifact_endpoint) if artifact_endpoint else None
    from axl.dsl.loader import load_target
    from axl.ir import build

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_target(module)
    code: CodeShipment | None = None
    if code_bucket is not None:
        code = package_code(
            module,
            code_bucket,
            workflow_path=workflow_path,
            module_file=loaded.file or Path(getattr(sys.modules[loaded.module], "__file__", "")),
            out=None if out == "-" else Path(out),
            no_upload=no_upload,
            size_limit=size_limit,
            exclude=exclude,
            endpoint=endpoint,
            secret=s3_secret,
        )
        options = chosen.with_code(options, code.location)
    built = build(loaded.cls)
    image_warnings = _check_baked(built.ir, baked, image_from)
    options, cache_warnings = cache_options(
        chosen,
        options,
        built.ir,
        store=store or loaded.cls.cache_store,
        secret=cache_secret,
        archive_secret=s3_secret,
        endpoint=endpoint_url(cache_endpoint, artifact_endpoint),
        endpoint_flag=cache_endpoint,
        module_file=loaded.file or Path(getattr(sys.modules[loaded.module], "__file__", "")),
        code=code,
        exclude=exclude,
        out=None if out == "-" else Path(out),
    )
    output = chosen.compile(built.ir, options)
    found = [*built.warnings, *image_warnings, *cache_warnings, *output.warnings]
    if not no_lint:
        found += chosen.check(output)
    uploaded = None
    if code is not None:
        found = [*code.packaged.archive.warnings, *found]
        if not no_upload:
            uploaded = upload_code(code, s3_endpoint)
    data = output.text.encode("utf-8")
    if out == "-":
        typer.echo(output.text, nl=False)
    else:
        _write(Path(out), data)
    if as_json:
        report = {
            "ok": True,
            "target": target,
            "kind": output.kind,
            "workflow": built.ir.name,
            "out": out,
            "bytes": len(data),
            "hash": output.hash,
            "warnings": found,
        }
        if code is not None:
            report["code"] = code_report(code, uploaded)
        emit_json(report)
        return
    if code is not None:
        print_code(code, uploaded, target=chosen.name, err=out == "-")
    if out != "-":
        typer.echo(
            f"wrote {out}: {output.kind} {built.ir.name} "
            f"({len(built.ir.nodes)} steps, {len(data):,} bytes, {output.hash})"
        )
    for message in found:
        typer.echo(f"warning: {message}", err=True)


def _image_from(chosen: Any, values: dict[str, Any], image_from: Path | None) -> Any:
    """Put the image of ``--image-from`` (by digest) into the target's flag values; check
    an ``--image`` that names a digest. The build report, or None."""
    from axl.packaging.image_reference import check_image_reference, load_build_report

    if isinstance(values.get("image"), str):
        check_image_reference(values["image"])
    if image_from is None:
        return None
    if not any(flag.field == "image" for flag in chosen.flags):
        raise UsageError(
            f"--target {chosen.name} takes no image, so --image-from has nothing to set",
            hint="leave --image-from out",
        )
    if "image" in values:
        raise UsageError("--image and --image-from both name the image", hint="pass one of them")
    if values.get("packages_policy") == "install":
        raise UsageError(
            "--packages install with --image-from: a built image holds its packages and "
            "never installs at run time",
            hint="leave --packages out (check), or pass --packages none",
        )
    baked = load_build_report(image_from)
    values["image"] = baked.reference
    return baked


def _check_baked(ir: Any, baked: Any, image_from: Path | None) -> list[str]:
    """The built image must hold this workflow, and some step must run it."""
    if baked is None:
        return []
    from axl.planning import step_image

    if baked.hash != ir.compute_hash():
        raise UsageError(
            f"{image_from} is the image of {baked.workflow} {baked.hash}, not of this "
            f"version of workflow {ir.name!r} ({ir.compute_hash()})",
            hint="build the image again (axl build-image --push --json) after changing the "
            "workflow",
        )
    own = [n.name for n in ir.nodes if step_image(ir, n, baked.reference) != baked.reference]
    if len(own) == len(ir.nodes):
        raise UsageError(
            f"every step of workflow {ir.name!r} names its own image, so --image-from "
            "would run none of them in the built image",
            hint="remove image= from the workflow (and the steps) to run the built image",
        )
    if len(own) == 1:
        return [f"step {own[0]} names its own image and does not run {baked.reference}"]
    if own:
        return [f"steps {', '.join(own)} name their own image and do not run {baked.reference}"]
    return []


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(
            f"cannot write {path}: {exc.strerror or exc}", hint="pass a writable --out path"
        ) from None
