"""``axl compile``: compile a workflow for an orchestrator (Argo Workflows today)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import typer

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
    built = build(loaded.cls)
    output = render(built.ir, options)
    found = [*built.warnings, *output.warnings]
    if not no_lint:
        found += _lint(output.document)
    data = output.yaml.encode("utf-8")
    if out == "-":
        typer.echo(output.yaml, nl=False)
    else:
        _write(Path(out), data)
    digest = output.document["metadata"]["annotations"][ANNOTATION_HASH]
    if as_json:
        emit_json(
            {
                "ok": True,
                "target": target,
                "kind": output.document["kind"],
                "workflow": built.ir.name,
                "out": out,
                "bytes": len(data),
                "hash": digest,
                "warnings": found,
            }
        )
        return
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
