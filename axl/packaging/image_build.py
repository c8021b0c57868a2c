"""``axl build-image``'s work: a workflow's image, built reproducibly and reported by digest.

:func:`image_context` gathers what goes into the image (a pure function of
the sources, the pinned base and axl's version); :func:`build_image` writes
the context, builds it with an engine of :mod:`axl.packaging.image_engine`,
pushes it when asked, and returns an :class:`ImageBuild`, whose
:meth:`~ImageBuild.to_dict` is the ``--json`` report that ``axl compile
--image-from`` reads.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from axl._version import __version__
from axl.codefiles.roots import locate_module
from axl.dataclass_fast import dataclass
from axl.digests import format_digest
from axl.errors import InfrastructureError, UsageError
from axl.ir import IRWorkflow
from axl.packaging.archive import DEFAULT_SIZE_LIMIT, select_entries, selection_digest
from axl.packaging.containerfile import (
    CODE_DIR,
    ContainerfileSpec,
    render_containerfile,
)
from axl.packaging.dependencies import Dependencies, workflow_dependencies
from axl.packaging.image_context import ImageContext, extract_context, write_context
from axl.packaging.image_engine import Engine, find_engine
from axl.packaging.image_labels import image_labels
from axl.packaging.image_reference import parse_tag

__all__ = [
    "BUILD_REPORT_VERSION",
    "ImageBuild",
    "ImageRequest",
    "build_image",
    "default_base",
    "image_context",
]

BUILD_REPORT_VERSION = 1


def default_base(version: str = __version__) -> str:
    """The runner image of this axl version: what a workflow's image is built on."""
    from axl.compiler.argo.options import default_image

    return default_image(version)


@dataclass(frozen=True)
class ImageRequest:
    """What to build, and how."""

    tag: str
    engine: str | None = None
    base: str | None = None
    """The base image (default: :func:`default_base`)."""
    push: bool = False
    context_out: Path | None = None
    uv_cache: Path | None = None
    """A filled uv cache: install from it without network."""
    build_args: Mapping[str, str] = field(default_factory=dict)
    exclude: Sequence[str] = ()
    size_limit: int = DEFAULT_SIZE_LIMIT
    timeout: float = 3600.0
    ca_bundle: Path | None = None
    """A CA bundle for uv's downloads in the build (behind a TLS-intercepting proxy)."""
    no_cache: bool = False
    """Build every layer again (a check that the build reproduces needs that)."""
    build: bool = True
    """False: write the context (``context_out``) and report, without building."""
    echo: bool = True
    """Show the engine's output on stderr while it builds."""


@dataclass(frozen=True)
class PreparedImage:
    """Everything about an image that is known before the engine runs."""

    context: ImageContext
    dependencies: Dependencies
    labels: dict[str, str]
    workflow_ref: str
    code_digest: str


def image_context(
    cls: type[Any],
    ir: IRWorkflow,
    module_file: Path,
    root: Path,
    *,
    base: str,
    pinned_base: str,
    exclude: Sequence[str] = (),
    size_limit: int = DEFAULT_SIZE_LIMIT,
    uv: Sequence[str] | None = None,
) -> PreparedImage:
    """The build context of workflow ``cls`` (``ir``, defined in ``module_file``) of project
    ``root``, on the base image ``base`` pinned as ``pinned_base``."""
    selection = select_entries(
        root, size_limit=size_limit, extra_patterns=tuple(exclude), into="the image"
    )
    dependencies = workflow_dependencies(cls, ir, root, uv=uv)
    code_digest = format_digest(selection_digest(selection))
    labels = image_labels(ir, root, base, pinned_base, code_digest, dependencies)
    spec = ContainerfileSpec(
        workflow=ir.name,
        base=pinned_base,
        axl_version=__version__,
        dependencies=dependencies.source,
        dependency_files=[name for name, _ in dependencies.files],
        dependency_digest=dependencies.files_digest,
        python_path=import_roots(ir, module_file, root),
        labels=labels,
    )
    context = ImageContext(
        containerfile=render_containerfile(spec),
        dependency_files=dependencies.files,
        code=selection,
    )
    return PreparedImage(context, dependencies, labels, ir.ref, code_digest)


def import_roots(ir: IRWorkflow, module_file: Path, root: Path) -> tuple[str, ...]:
    """Folders in the image to put on ``PYTHONPATH``: where ``ir.module`` imports from (as
    it was imported to compile it), then the import roots of a code archive of ``root``."""
    module_file, root = Path(module_file).resolve(), Path(root).resolve()
    depth = len(ir.module.split(".")) - (0 if module_file.name == "__init__.py" else 1)
    loader_root = module_file.parents[depth] if depth < len(module_file.parents) else None
    if loader_root is None or not (loader_root == root or loader_root.is_relative_to(root)):
        raise UsageError(
            f"workflow module {ir.module} imports from {loader_root}, outside the project "
            f"folder {root} whose code goes into the image",
            hint="pass --workflow-path with a folder that holds the workflow's package",
        )
    relative = [loader_root.relative_to(root).as_posix()]
    relative += list(locate_module(module_file, root).sys_path_entries)
    folders = [CODE_DIR if rel == "." else f"{CODE_DIR}/{rel}" for rel in relative]
    return tuple(dict.fromkeys(folders))


@dataclass(frozen=True)
class ImageBuild:
    """A built image: what went in, its ID and, once pushed, its digest."""

    tag: str
    engine: str | None
    """The engine that built it (or pinned its base); None when nothing ran one."""
    image_id: str | None
    """``sha256:...`` of the image's config (None: written with ``build=False``)."""
    digest: str | None
    """The registry's ``sha256:...`` of the pushed manifest (None: not pushed)."""
    workflow: str
    workflow_ref: str
    hash: str
    code_digest: str
    dependencies: str
    lock_digest: str
    base: str
    pinned_base: str
    context_digest: str
    context_files: int
    context_path: Path | None
    labels: Mapping[str, str]
    warnings: tuple[str, ...] = ()

    @property
    def reference(self) -> str | None:
        """``REPOSITORY@sha256:...``: the image by digest (None until pushed)."""
        if self.digest is None:
            return None
        return f"{parse_tag(self.tag)[0]}@{self.digest}"

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` report (what ``axl compile --image-from`` reads)."""
        return {
            "ok": True,
            "report_version": BUILD_REPORT_VERSION,
            "tag": self.tag,
            "engine": self.engine,
            "image_id": self.image_id,
            "digest": self.digest,
            "reference": self.reference,
            "pushed": self.digest is not None,
            "workflow": self.workflow,
            "workflow_ref": self.workflow_ref,
            "hash": self.hash,
            "axl_version": __version__,
            "code_digest": self.code_digest,
            "dependencies": self.dependencies,
            "lock_digest": self.lock_digest,
            "base": {"name": self.base, "pinned": self.pinned_base},
            "context": {
                "digest": self.context_digest,
                "files": self.context_files,
                "path": None if self.context_path is None else str(self.context_path),
            },
            "labels": dict(self.labels),
            "warnings": list(self.warnings),
        }


def build_image(
    cls: type[Any],
    ir: IRWorkflow,
    module_file: Path,
    root: Path,
    request: ImageRequest,
    *,
    engine: Engine | None = None,
) -> ImageBuild:
    """Build (and with ``request.push``, push) the image of workflow ``cls``.

    Raises :class:`~axl.errors.UsageError` and its kin for what the user can
    fix (a bad tag, a missing or stale lock) and
    :class:`~axl.errors.InfrastructureError` (exit 4) for a missing engine or
    a failed build, pull or push.
    """
    parse_tag(request.tag)
    if request.uv_cache is not None and not Path(request.uv_cache).is_dir():
        raise UsageError(
            f"--uv-cache {request.uv_cache} is not a folder",
            hint="pass a uv cache folder filled beforehand (UV_CACHE_DIR=DIR uv sync --frozen)",
        )
    if not request.build and (request.context_out is None or request.push):
        raise UsageError(
            "--no-build only writes the build context: it needs --context-out and no --push",
            hint="pass --context-out FILE, and build the context where you push from",
        )
    base = request.base or default_base()
    if engine is None and (request.build or "@sha256:" not in base):
        engine = find_engine(request.engine)
    pinned = base if engine is None else engine.pin(base)
    root = Path(os.path.abspath(root))
    exclude = [*request.exclude, *_own_output(root, request.context_out)]
    prepared = image_context(
        cls,
        ir,
        module_file,
        root,
        base=base,
        pinned_base=pinned,
        exclude=exclude,
        size_limit=request.size_limit,
    )
    image_id = digest = None
    with tempfile.TemporaryDirectory(prefix="axl-image-") as scratch:
        work = Path(scratch)
        written = write_context(prepared.context, request.context_out or work / "context.tar")
        if request.build:
            assert engine is not None
            image_id, digest = _build(engine, written.path, work, request)
    return ImageBuild(
        tag=request.tag,
        engine=None if engine is None else engine.name,
        image_id=image_id,
        digest=digest,
        workflow=ir.name,
        workflow_ref=prepared.workflow_ref,
        hash=ir.compute_hash(),
        code_digest=prepared.code_digest,
        dependencies=prepared.dependencies.source,
        lock_digest=prepared.dependencies.digest,
        base=base,
        pinned_base=pinned,
        context_digest=written.digest,
        context_files=prepared.context.files,
        context_path=request.context_out and written.path,
        labels=prepared.labels,
        warnings=(*prepared.context.code.warnings, *prepared.dependencies.warnings),
    )


def _build(
    engine: Engine, context: Path, work: Path, request: ImageRequest
) -> tuple[str, str | None]:
    """Unpack the context tar and build it; (image ID, pushed digest or None)."""
    folder = work / "context"
    results = work / "results"
    folder.mkdir()
    results.mkdir()
    try:
        extract_context(context, folder)
    except (OSError, tarfile.TarError) as exc:
        raise InfrastructureError(f"cannot unpack the build context {context}: {exc}") from None
    command = engine.build_command(
        folder,
        request.tag,
        results,
        build_args=request.build_args,
        uv_cache=None if request.uv_cache is None else Path(request.uv_cache).resolve(),
        push=request.push,
        no_cache=request.no_cache,
        ca_bundle=None if request.ca_bundle is None else Path(request.ca_bundle).resolve(),
    )
    image_id = engine.build(command, echo=request.echo, timeout=request.timeout)
    digest = engine.pushed_digest(command, request.tag, results) if request.push else None
    return image_id, digest


def _own_output(root: Path, context_out: Path | None) -> list[str]:
    """A gitignore line that leaves an earlier ``--context-out`` file inside ``root`` out."""
    if context_out is None:
        return []
    path = Path(os.path.abspath(context_out))
    if not path.is_relative_to(root):
        return []
    return ["/" + path.relative_to(root).as_posix()]
