"""``CodeArchive``: the workflow's code as a content-addressed tar.gz object in S3.

The archive is built at program time (deterministically: the same tree
gives the same bytes), so its digest, and with it the object key
``<prefix>/code-<digest16>.tar.gz``, is known before Pulumi diffs anything.
Unchanged code registers byte-identical inputs (an empty preview); changed
code gets a new key, which replaces the object.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi

from axl_pulumi._args import args_from, describe, program_path
from axl_pulumi.errors import ComponentError, in_component
from axl_pulumi.source import WorkflowLike, WorkflowSource, project_of, resolve_workflow

if TYPE_CHECKING:
    from axl.packaging import ArchiveResult

TYPE_TOKEN = "axl:index:CodeArchive"
DEFAULT_PREFIX = "axl/code"
DEFAULT_SIZE_LIMIT = 50 * 1024**2
ARCHIVE_DIR = Path(".axl") / "archives"
CONTENT_TYPE = "application/gzip"


@dataclass(frozen=True)
class CodeArchiveArgs:
    """Inputs of :class:`CodeArchive`."""

    workflow: WorkflowLike
    """The workflow class, or a target such as ``flows/train.py:Train``."""
    bucket: pulumi.Input[str]
    """The S3 bucket (a name, or e.g. ``aws.s3.BucketV2(...).bucket``)."""
    prefix: str = DEFAULT_PREFIX
    """Key prefix inside the bucket; the key is ``<prefix>/code-<digest16>.tar.gz``."""
    workflow_path: str | os.PathLike[str] | None = None
    """The project folder to archive (default: the nearest folder holding ``pyproject.toml``
    or ``.git`` above the workflow file)."""
    archive_dir: str | os.PathLike[str] | None = None
    """Where the archive file is written (default: ``.axl/archives`` in the program's folder)."""
    size_limit: int = DEFAULT_SIZE_LIMIT
    """Refuse code bigger than this many bytes (uncompressed)."""
    exclude: tuple[str, ...] = field(default=())
    """Extra gitignore-style patterns to leave out, after ``.gitignore`` and ``.axlignore``."""


class CodeArchive(pulumi.ComponentResource):
    """A deterministic archive of a workflow's project, uploaded to S3 under its digest.

    Outputs: ``bucket``, ``key``, ``digest`` (``blake3:<hex>``) and ``uri``
    (``s3://bucket/key``). :attr:`module` is the module a runner imports from the
    extracted archive; :attr:`archive` describes the file built.
    """

    bucket: pulumi.Output[str]
    key: pulumi.Output[str]
    digest: pulumi.Output[str]
    uri: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: CodeArchiveArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        from axl.packaging import CodeLocation

        owner = describe(TYPE_TOKEN, name)
        args = args_from(CodeArchiveArgs, args, kwargs, owner)
        prefix = _normalise_prefix(args.prefix, owner)
        self.source: WorkflowSource = resolve_workflow(args.workflow, owner)
        built = _build(self.source, args, owner)
        self.archive: ArchiveResult = built[0]
        self.module: str = built[1]
        """The dotted module of the workflow inside the archive (what the runner imports)."""
        self.workflow_ref = f"{self.module}:{self.source.cls.__qualname__}"
        """``module:Class`` of the workflow inside the archive."""
        self.location: CodeLocation = CodeLocation.of(
            self.archive, prefix, workflow_ref=self.workflow_ref
        )
        """The archive's key, digest and file, known at program time (the bucket is an
        input, so it is not set here)."""
        self.object_key = self.location.key
        """The S3 key, known at program time."""
        super().__init__(TYPE_TOKEN, name, None, opts)

        import pulumi_aws as aws

        for warning in self.archive.warnings:
            pulumi.log.warn(f"{owner}: {warning}", resource=self)
        self.object = aws.s3.BucketObjectv2(
            f"{name}-object",
            bucket=args.bucket,
            key=self.object_key,
            source=pulumi.FileAsset(program_path(self.archive.path)),
            content_type=CONTENT_TYPE,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.bucket = self.object.bucket
        self.key = self.object.key
        self.digest = pulumi.Output.from_input(self.location.digest)
        self.uri = pulumi.Output.concat("s3://", self.object.bucket, "/", self.object.key)
        self.register_outputs(
            {
                "bucket": self.bucket,
                "key": self.key,
                "digest": self.digest,
                "uri": self.uri,
                "module": self.module,
            }
        )


def _normalise_prefix(prefix: str, owner: str) -> str:
    parts = [p for p in str(prefix).split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ComponentError(
            f"{owner}: prefix {prefix!r} has a '.' or '..' part",
            hint="use a plain key prefix such as 'axl/code'",
        )
    return "/".join(parts)


def _build(source: WorkflowSource, args: CodeArchiveArgs, owner: str) -> tuple[ArchiveResult, str]:
    from axl.errors import AxlError
    from axl.packaging import build_archive

    root, module = project_of(source, args.workflow_path, owner, into="the archive")
    out = Path(args.archive_dir) if args.archive_dir is not None else Path.cwd() / ARCHIVE_DIR
    try:
        archive = build_archive(
            root, out, size_limit=args.size_limit, extra_patterns=tuple(args.exclude)
        )
    except AxlError as exc:
        raise in_component(owner, exc) from None
    return archive, module
