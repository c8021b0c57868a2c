"""``axl compile``: compile a workflow for an orchestrator (Argo Workflows today)."""

from __future__ import annotations

import sys
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

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
from axl.errors import LintError, UsageError

TARGETS = ("argo",)
PLANNED_TARGETS = ("kfp", "dagster")
_SHOWN_FINDINGS = 5


def register(app: typer.Typer) -> None:
    """Add ``axl compile`` to the app."""
    app.command("compile")(compile_workflow)


@handle_errors
def compile_workflow(
    module: str = TargetOption,
    target: str = typer.Option(..., "--target", help="What to compile for: argo."),
    out: str = typer.Option("-", "--out", "-o", help="File to write ('-': standard output)."),
    kind: str = typer.Option(
        "workflow", "--kind", help="workflow (runs once) or workflow-template (reusable)."
    ),
    artifacts: str = typer.Option(
        "s3", "--artifacts", help="s3 (the artifact repository) or pvc (a shared volume)."
    ),
    namespace: str | None = typer.Option(None, "--namespace", help="Kubernetes namespace."),
    service_account: str | None = typer.Option(
        None, "--service-account", help="Service account the pods run as."
    ),
    image: str | None = typer.Option(
        None, "--image", help="Image of steps that set none (default: the axl runner image)."
    ),
    artifact_repository: str | None = typer.Option(
        None,
        "--artifact-repository",
        help="Artifact repository ConfigMap and key: CONFIGMAP/KEY (default: the cluster's).",
    ),
    pvc_size: str = typer.Option("1Gi", "--pvc-size", help="Size of the pvc-mode volume."),
    pod_gc: str = typer.Option(
        "OnPodSuccess", "--pod-gc", help="podGC strategy, or 'none' to keep every pod."
    ),
    ttl: int | None = typer.Option(
        None, "--ttl", min=0, help="Delete the Workflow this many seconds after it completes."
    ),
    packages: str = typer.Option(
        "check",
        "--packages",
        help="What the runner does about missing step packages: check, install or none.",
    ),
    python_path: list[str] | None = typer.Option(
        None,
        "--python-path",
        help="A folder in the image to import the workflow from (repeatable).",
    ),
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
        "written with the bucket into the YAML (default: the artifact repository's).",
    ),
    s3_secret: str | None = typer.Option(
        None,
        "--s3-secret",
        help="Kubernetes Secret with keys accessKey and secretKey for --artifact-endpoint.",
    ),
    no_upload: bool = typer.Option(
        False,
        "--no-upload",
        help="Write the archive next to the YAML and print the key to upload it to.",
    ),
    size_limit: float = typer.Option(
        50.0, "--size-limit", help="Refuse code archives over this many MB (uncompressed)."
    ),
    exclude: list[str] | None = typer.Option(
        None, "--exclude", help="A gitignore-style pattern to leave out of the code archive."
    ),
    no_lint: bool = typer.Option(False, "--no-lint", help="Write the output without linting it."),
    as_json: bool = JsonOption,
) -> None:
    """Compile a workflow to Argo Workflows YAML (exit 1 if the lint finds errors)."""
    if target not in TARGETS:
        known = f"targets: {', '.join(TARGETS)} (planned: {', '.join(PLANNED_TARGETS)})"
        if target in PLANNED_TARGETS:
            raise UsageError(f"--target {target!r} is not available yet", hint=known)
        raise UsageError(f"unknown --target {target!r}", hint=known)
    if as_json and out == "-":
        raise UsageError(
            "--json prints a report on standard output, so the YAML needs a file",
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
    endpoint = parse_endpoint(artifact_endpoint) if artifact_endpoint else None
    from axl.compiler.argo import ArgoOptions, ArtifactRepositoryRef, default_image, render
    from axl.compiler.argo.compiler import ANNOTATION_HASH
    from axl.dsl.loader import load_target
    from axl.ir import build

    options = ArgoOptions(
        kind=kind,  # type: ignore[arg-type]  # checked by ArgoOptions
        artifacts=artifacts,  # type: ignore[arg-type]
        namespace=namespace,
        service_account=service_account,
        artifact_repository_ref=(
            ArtifactRepositoryRef.parse(artifact_repository) if artifact_repository else None
        ),
        pvc_size=pvc_size,
        pod_gc=None if pod_gc == "none" else pod_gc,
        ttl_seconds=ttl,
        image=image or default_image(),
        packages_policy=packages,
        python_path=tuple(python_path or ()),
    )
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
        options = replace(options, code_archive=code.argo, workflow_ref=code.packaged.workflow_ref)
    built = build(loaded.cls)
    output = render(built.ir, options)
    found = [*built.warnings, *output.warnings]
    if not no_lint:
        found += _lint(output.document)
    uploaded = None
    if code is not None:
        found = [*code.packaged.archive.warnings, *found]
        if not no_upload:
            uploaded = upload_code(code, s3_endpoint)
    data = output.yaml.encode("utf-8")
    if out == "-":
        typer.echo(output.yaml, nl=False)
    else:
        _write(Path(out), data)
    digest = output.document["metadata"]["annotations"][ANNOTATION_HASH]
    if as_json:
        report = {
            "ok": True,
            "target": target,
            "kind": output.document["kind"],
            "workflow": built.ir.name,
            "out": out,
            "bytes": len(data),
            "hash": digest,
            "warnings": found,
        }
        if code is not None:
            report["code"] = code_report(code, uploaded)
        emit_json(report)
        return
    if code is not None:
        print_code(code, uploaded, err=out == "-")
    if out != "-":
        typer.echo(
            f"wrote {out}: {output.document['kind']} {built.ir.name} "
            f"({len(built.ir.nodes)} steps, {len(data):,} bytes, {digest})"
        )
    for message in found:
        typer.echo(f"warning: {message}", err=True)


def _lint(document: dict[str, Any]) -> list[str]:
    """Lint findings: errors stop the compile (exit 1), warnings are returned."""
    from axl.compiler.argo.checks import lint
    from axl.compiler.lint import format_finding

    findings = lint(document)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        shown = "; ".join(format_finding(f) for f in errors[:_SHOWN_FINDINGS])
        hidden = len(errors) - _SHOWN_FINDINGS
        more = f" (and {hidden} more)" if hidden > 0 else ""
        raise LintError(
            f"the compiled document fails the Argo lint: {shown}{more}",
            hint="this is likely a bug in axl's Argo compiler; --no-lint writes it anyway",
        )
    return [format_finding(f).replace("warning: ", "", 1) for f in findings]


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(
            f"cannot write {path}: {exc.strerror or exc}", hint="pass a writable --out path"
        ) from None
