"""``axl compile``: compile a workflow for an orchestrator (Argo Workflows today)."""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from axl.cli.common import JsonOption, TargetOption, emit_json, handle_errors
from axl.errors import LintError, UsageError

if TYPE_CHECKING:
    from axl.cli.package import PackagedCode
    from axl.compiler.argo import ArgoCodeArchive

TARGETS = ("argo",)
PLANNED_TARGETS = ("kfp", "dagster")
SECRET_KEYS = ("accessKey", "secretKey")
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
    _check_code_flags(
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
    endpoint = _endpoint(artifact_endpoint) if artifact_endpoint else None
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
    code: _Code | None = None
    if code_bucket is not None:
        code = _package(
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
            uploaded = _upload(code, s3_endpoint)
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
            report["code"] = _code_report(code, uploaded)
        emit_json(report)
        return
    if code is not None:
        _print_code(code, uploaded, err=out == "-")
    if out != "-":
        typer.echo(
            f"wrote {out}: {output.document['kind']} {built.ir.name} "
            f"({len(built.ir.nodes)} steps, {len(data):,} bytes, {digest})"
        )
    for message in found:
        typer.echo(f"warning: {message}", err=True)


@dataclass(frozen=True)
class _Code:
    """The workflow's code archive, its S3 location, and how the compiled pods fetch it."""

    packaged: PackagedCode
    bucket_uri: str
    bucket: str
    key: str
    argo: ArgoCodeArchive

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def _check_code_flags(code_bucket: str | None, given: dict[str, Any]) -> None:
    """Code-archive flags mean nothing without ``--code-bucket``: refuse them, never ignore."""
    if code_bucket is not None:
        return
    for flag, value in given.items():
        if value:
            raise UsageError(
                f"{flag} needs --code-bucket",
                hint="pass --code-bucket s3://BUCKET/PREFIX to ship the code as an archive",
            )


def _package(
    target: str,
    code_bucket: str,
    *,
    workflow_path: Path | None,
    module_file: Path,
    out: Path | None,
    no_upload: bool,
    size_limit: float,
    exclude: list[str] | None,
    endpoint: tuple[str, bool | None] | None,
    secret: str | None,
) -> _Code:
    """Build the archive and name its key: ``<prefix>/code-<digest16>.tar.gz``.

    The archive goes next to the YAML with ``--no-upload``, else to the
    project's ``.axl/archives``. The YAML itself is left out of it when it is
    written inside the project: it names the archive, so it would change the
    archive it names at every compile.
    """
    from axl.cli.package import package_workflow
    from axl.compiler.argo import ArgoCodeArchive, SecretKey
    from axl.packaging import archive_name, archive_root_for, parse_bucket_uri

    bucket, prefix = parse_bucket_uri(code_bucket)
    patterns = list(exclude or ())
    if out is not None:
        root = archive_root_for(module_file, workflow_path)
        if out.resolve().is_relative_to(root):
            patterns.append(_literal_pattern(out.resolve().relative_to(root).as_posix()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        packaged = package_workflow(
            target,
            workflow_path,
            out.parent if no_upload and out is not None else None,
            size_limit_mb=size_limit,
            exclude=patterns,
        )
    name = archive_name(packaged.archive.digest)
    key = f"{prefix}/{name}" if prefix else name
    host, insecure = endpoint or (None, None)
    argo = ArgoCodeArchive(
        key=key,
        digest=f"blake3:{packaged.archive.digest}",
        bucket=bucket if host else None,
        endpoint=host,
        insecure=insecure,
        access_key_secret=SecretKey(secret, SECRET_KEYS[0]) if secret else None,
        secret_key_secret=SecretKey(secret, SECRET_KEYS[1]) if secret else None,
    )
    return _Code(packaged=packaged, bucket_uri=code_bucket, bucket=bucket, key=key, argo=argo)


def _literal_pattern(path: str) -> str:
    """A gitignore line that matches exactly ``path`` (relative to the archive root)."""
    escaped = "".join("\\" + char if char in "*?[\\" else char for char in path)
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "
    return "/" + escaped


def _endpoint(text: str) -> tuple[str, bool | None]:
    """Argo's ``endpoint`` (host[:port], no scheme) and ``insecure`` (True for http://)."""
    from urllib.parse import urlsplit

    parts = urlsplit(text if "://" in text else f"//{text}")
    if (
        parts.scheme not in ("", "http", "https")
        or not parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise UsageError(
            f"--artifact-endpoint {text!r} is not an S3 endpoint",
            hint="pass HOST[:PORT], http://HOST:PORT or https://HOST (no path, no credentials)",
        )
    return parts.netloc, (True if parts.scheme == "http" else None)


def _upload(code: _Code, endpoint_url: str | None) -> bool:
    """Upload the archive unless its key is already there; whether it was uploaded."""
    from axl.packaging import upload_archive

    result = upload_archive(code.packaged.archive, code.bucket_uri, endpoint_url=endpoint_url)
    assert result.key == code.key, (result.key, code.key)
    return result.uploaded


def _code_report(code: _Code, uploaded: bool | None) -> dict[str, Any]:
    archive = code.packaged.archive
    return {
        "archive": str(archive.path),
        "digest": code.argo.digest,
        "size": archive.size,
        "files": archive.files,
        "root": str(code.packaged.root),
        "workflow": code.packaged.workflow_ref,
        "bucket": code.bucket,
        "key": code.key,
        "uri": code.uri,
        "uploaded": uploaded,
    }


def _print_code(code: _Code, uploaded: bool | None, *, err: bool) -> None:
    archive = code.packaged.archive
    lines = [
        f"code: {archive.path} ({archive.files} files, {archive.size:,} bytes) "
        f"from {code.packaged.root}; the pods import {code.packaged.workflow_ref}"
    ]
    if uploaded is None:
        lines.append(f"not uploaded: upload it to {code.uri} before submitting, e.g.")
        lines.append(f"  aws s3 cp {archive.path} {code.uri}")
    elif uploaded:
        lines.append(f"uploaded to {code.uri}")
    else:
        lines.append(f"already in {code.uri} (same content): not uploaded again")
    if code.argo.endpoint is None:
        lines.append(
            f"the pods read it through the artifact repository, whose bucket must be {code.bucket}"
        )
    for line in lines:
        typer.echo(line, err=err)


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
