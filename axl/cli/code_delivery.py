"""The code-archive part of ``axl compile``: package, upload, and wire into the document."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from axl.dataclass_fast import dataclass
from axl.errors import UsageError

if TYPE_CHECKING:
    from axl.cli.package import PackagedCode
    from axl.packaging import CodeLocation


@dataclass(frozen=True)
class CodeShipment:
    """The workflow's packaged code and the S3 location the compiled pods fetch it from."""

    packaged: PackagedCode
    bucket_uri: str
    location: CodeLocation

    @property
    def bucket(self) -> str:
        """The bucket of ``--code-bucket``."""
        return str(self.location.bucket)

    @property
    def key(self) -> str:
        """The archive's object key."""
        return self.location.key

    @property
    def uri(self) -> str:
        """``s3://bucket/key``."""
        return f"s3://{self.bucket}/{self.key}"


def check_code_flags(code_bucket: str | None, given: dict[str, Any]) -> None:
    """Code-archive flags mean nothing without ``--code-bucket``: refuse them, never ignore."""
    if code_bucket is not None:
        return
    for flag, value in given.items():
        if value:
            raise UsageError(
                f"{flag} needs --code-bucket",
                hint="pass --code-bucket s3://BUCKET/PREFIX to ship the code as an archive",
            )


def package_code(
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
) -> CodeShipment:
    """Build the archive and name its key: ``<prefix>/code-<digest16>.tar.gz``.

    The archive goes next to the YAML with ``--no-upload``, else to the
    project's ``.axl/archives``. The YAML itself is left out of it when it is
    written inside the project: it names the archive, so it would change the
    archive it names at every compile.
    """
    from axl.cli.package import package_workflow
    from axl.packaging import CodeLocation, archive_root_for, parse_bucket_uri

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
    host, insecure = endpoint or (None, None)
    location = CodeLocation.of(
        packaged.archive,
        prefix,
        bucket=bucket,
        endpoint=host,
        insecure=insecure,
        secret=secret,
        workflow_ref=packaged.workflow_ref,
    )
    return CodeShipment(packaged=packaged, bucket_uri=code_bucket, location=location)


def _literal_pattern(path: str) -> str:
    """A gitignore line that matches exactly ``path`` (relative to the archive root)."""
    escaped = "".join("\\" + char if char in "*?[\\" else char for char in path)
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "
    return "/" + escaped


def parse_endpoint(text: str) -> tuple[str, bool | None]:
    """``--artifact-endpoint`` as the pods take it: ``host[:port]`` and ``insecure``."""
    from axl.packaging.location import parse_endpoint as parse

    return parse(text, "--artifact-endpoint")


def upload_code(code: CodeShipment, endpoint_url: str | None) -> bool:
    """Upload the archive unless its key is already there; whether it was uploaded."""
    from axl.packaging import upload_archive

    result = upload_archive(code.packaged.archive, code.bucket_uri, endpoint_url=endpoint_url)
    assert result.key == code.key, (result.key, code.key)
    return result.uploaded


def code_report(code: CodeShipment, uploaded: bool | None) -> dict[str, Any]:
    archive = code.packaged.archive
    return {
        "archive": str(archive.path),
        "digest": code.location.digest,
        "size": archive.size,
        "files": archive.files,
        "root": str(code.packaged.root),
        "workflow": code.packaged.workflow_ref,
        "bucket": code.bucket,
        "key": code.key,
        "uri": code.uri,
        "uploaded": uploaded,
    }


def print_code(code: CodeShipment, uploaded: bool | None, *, target: str, err: bool) -> None:
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
    if target == "kfp":
        lines.append(
            "KFP's launcher reads it with the cluster's object store settings "
            "(the kfp-launcher ConfigMap holds the endpoint and credentials of S3 buckets)"
        )
    elif code.location.endpoint is None:
        lines.append(
            f"the pods read it through the artifact repository, whose bucket must be {code.bucket}"
        )
    for line in lines:
        typer.echo(line, err=err)
