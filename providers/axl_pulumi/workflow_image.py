"""``WorkflowImage``: a workflow's image (the runner, its locked dependencies, its code), built
and pushed by ``pulumi-docker-build``.

The build context is the one ``axl build-image`` writes, made by the same
function (:func:`axl.packaging.image_build.image_context`) when the program
runs: the Containerfile, ``deps/`` (``pyproject.toml`` + ``uv.lock``, or the
requirements) and ``code/``, with the image's ``axl.dev/*`` and
``org.opencontainers.image.*`` labels. It is unpacked into a folder named
after its digest (``.axl/images/context-<digest16>``), so unchanged code
registers the same inputs and ``pulumi preview`` shows no build, and changed
code a new folder: a new build, a new digest.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pulumi

from axl_pulumi._args import args_from, compiler_extra, describe, program_path
from axl_pulumi.code_archive import DEFAULT_SIZE_LIMIT
from axl_pulumi.errors import ComponentError, in_component
from axl_pulumi.source import WorkflowLike, WorkflowSource, project_of, resolve_workflow

if TYPE_CHECKING:
    from axl.packaging.image_build import PreparedImage
    from axl_pulumi.context_folder import ContextFolder

TYPE_TOKEN: Final = "axl:index:WorkflowImage"
IMAGE_TYPE: Final = "docker-build:index:Image"
"""The type of the ``pulumi_docker_build.Image`` child."""
BUILD_DIR: Final = Path(".axl") / "images"
SET_BY_COMPONENT: Final = frozenset(
    {"context", "dockerfile", "tags", "labels", "push", "platforms", "build_args"}
)
"""``pulumi_docker_build.Image`` arguments the component sets (not through ``build_options``)."""
BUILD_ARGS: Final = {"SOURCE_DATE_EPOCH": "0"}
"""Build arguments of every build besides ``BASE_IMAGE``: BuildKit's created time is 0, as
``axl build-image``'s is (its ``docker buildx`` build sets the same)."""


@dataclass(frozen=True)
class WorkflowImageArgs:
    """Inputs of :class:`WorkflowImage`."""

    workflow: WorkflowLike
    """The workflow class, or a target such as ``flows/train.py:Train``."""
    repository: pulumi.Input[str]
    """Where the image goes, without a tag: ``registry.example.com/team/train`` (or e.g.
    ``aws.ecr.Repository(...).repository_url``)."""
    tags: Sequence[str] | None = None
    """Tags to push under ``repository`` (default: ``context-<digest16>`` of the build
    context). The deployed steps run the image by digest, never by a tag."""
    push: bool = True
    """Push the image (without a push there is no digest, and ``ref`` is empty)."""
    platforms: Sequence[str] = ()
    """Platforms to build for, e.g. ``["linux/amd64", "linux/arm64"]`` (default: the
    builder's)."""
    base: str | None = None
    """The image to build on: an axl runner image of this axl version (default:
    ``ghcr.io/axl-workflows/runner:<version>``); ``REPOSITORY@sha256:...`` pins it."""
    workflow_path: str | os.PathLike[str] | None = None
    """The project folder whose code goes into the image (default: the nearest folder
    holding ``pyproject.toml`` or ``.git`` above the workflow file)."""
    exclude: tuple[str, ...] = ()
    """Extra gitignore-style patterns to leave out of the image's code."""
    size_limit: int = DEFAULT_SIZE_LIMIT
    """Refuse code bigger than this many bytes (uncompressed)."""
    build_dir: str | os.PathLike[str] | None = None
    """Where the build context folder is written (default: ``.axl/images`` in the
    program's folder)."""
    build_options: Mapping[str, Any] = field(default_factory=dict)
    """Further ``pulumi_docker_build.Image`` arguments: ``registries`` (credentials),
    ``cache_from``, ``cache_to``, ``builder``, ``build_on_preview``, ``exec_``, ..."""


class WorkflowImage(pulumi.ComponentResource):
    """The image of a workflow, built from ``axl build-image``'s context and pushed.

    Child: ``<name>-build``, a ``pulumi_docker_build.Image``. Outputs: ``digest``
    (``sha256:...`` of the pushed manifest), ``ref`` (``REPOSITORY@sha256:...``, what
    the deployed steps run; empty when not pushed), ``tags`` (``REPOSITORY:TAG`` each)
    and ``context_digest`` (``blake3:...`` of the build context). Known at program time:
    :attr:`context` (the folder and its digest), :attr:`labels`, :attr:`base`.
    """

    digest: pulumi.Output[str]
    ref: pulumi.Output[str]
    tags: pulumi.Output[list[str]]
    context_digest: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: WorkflowImageArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        from axl.packaging.image_build import default_base

        owner = describe(TYPE_TOKEN, name)
        args = args_from(WorkflowImageArgs, args, kwargs, owner)
        if not isinstance(args.repository, pulumi.Output):
            check_repository(args.repository, owner)
        platforms = _platforms(args.platforms, owner)
        tag_names = _tag_names(args.tags, owner)
        extra = _build_options(args.build_options, owner)
        self.source: WorkflowSource = resolve_workflow(args.workflow, owner)
        self.base: str = _checked_base(args.base or default_base(), owner)
        """The base image, as given (a tag is built on whatever it names then)."""
        prepared = _prepare(self.source, args, self.base, owner)
        self.context: ContextFolder = _write(prepared, args.build_dir, owner)
        """The build context folder and the digest of its tar (``axl build-image``'s)."""
        self.labels: dict[str, str] = dict(prepared.labels)
        """The image's labels (also in its Containerfile)."""
        tag_names = tag_names or (f"context-{self.context.short_digest}",)
        super().__init__(TYPE_TOKEN, name, None, opts)

        import pulumi_docker_build as docker_build

        for warning in (*prepared.context.code.warnings, *prepared.dependencies.warnings):
            pulumi.log.warn(f"{owner}: {warning}", resource=self)
        location = program_path(self.context.path)
        repository = pulumi.Output.from_input(args.repository).apply(
            lambda value: check_repository(value, owner)
        )
        self.tags = repository.apply(lambda repo: [f"{repo}:{tag}" for tag in tag_names])
        self.image = docker_build.Image(
            f"{name}-build",
            context=docker_build.BuildContextArgs(location=location),
            dockerfile=docker_build.DockerfileArgs(location=f"{location}/Containerfile"),
            tags=self.tags,
            labels=self.labels,
            push=args.push,
            platforms=platforms,
            build_args={"BASE_IMAGE": self.base, **BUILD_ARGS},
            opts=pulumi.ResourceOptions(parent=self),
            **extra,
        )
        self.digest = self.image.digest
        self.ref = pulumi.Output.all(repository, self.image.digest).apply(
            lambda values: pinned_reference(values[0], values[1], owner)
        )
        self.context_digest = pulumi.Output.from_input(self.context.digest)
        self.register_outputs(
            {
                "digest": self.digest,
                "ref": self.ref,
                "tags": self.tags,
                "context_digest": self.context_digest,
            }
        )


def check_repository(value: object, owner: str) -> str:
    """``value`` itself, when it is an image name without tag or digest."""
    from axl.errors import UsageError
    from axl.packaging.image_reference import parse_tag

    if not isinstance(value, str):
        raise ComponentError(
            f"{owner}: repository={value!r} is not an image repository",
            hint="pass a name such as 'registry.example.com/team/train'",
        )
    if "@" in value:
        raise ComponentError(
            f"{owner}: repository {value!r} names a digest; the build makes the digest",
            hint=f"pass the repository alone: repository={value.split('@', 1)[0]!r}",
        )
    try:
        repository, tag = parse_tag(value)
    except UsageError:
        pass
    else:
        raise ComponentError(
            f"{owner}: repository {value!r} has a tag ({tag!r})",
            hint=f"pass repository={repository!r} and tags=[{tag!r}]",
        )
    try:
        parse_tag(f"{value}:latest")
    except UsageError:
        raise ComponentError(
            f"{owner}: repository {value!r} is not an image repository",
            hint="pass lower-case path parts after an optional registry host, "
            "e.g. 'registry.example.com/team/train'",
        ) from None
    return value


def pinned_reference(repository: str, digest: str | None, owner: str) -> str:
    """``REPOSITORY@sha256:...`` of a pushed image; empty when it was not pushed."""
    from axl.errors import AxlError
    from axl.packaging.image_reference import check_image_reference

    if not digest:
        return ""
    try:
        return check_image_reference(f"{repository}@{digest}")
    except AxlError as exc:
        raise in_component(owner, exc) from None


def _checked_base(base: str, owner: str) -> str:
    from axl.errors import AxlError
    from axl.packaging.image_reference import check_image_reference

    try:
        return check_image_reference(base)
    except AxlError as exc:
        raise in_component(f"{owner}: base", exc) from None


def _tag_names(tags: Sequence[str] | None, owner: str) -> tuple[str, ...]:
    """The tags given, checked and without repeats; none (the default) when None."""
    from axl.errors import UsageError
    from axl.packaging.image_reference import parse_tag

    if tags is None:
        return ()
    if isinstance(tags, str) or not tags:
        raise ComponentError(
            f"{owner}: tags={tags!r} must be a non-empty list of tags",
            hint="e.g. tags=['1.0'], or leave tags out for a tag named after the context",
        )
    for tag in tags:
        try:
            ok = parse_tag(f"example.com/image:{tag}")[1] == tag
        except (UsageError, TypeError):
            ok = False
        if not ok:
            raise ComponentError(
                f"{owner}: tag {tag!r} is not an image tag",
                hint="a tag has up to 128 letters, digits, '_', '.' and '-' (not first); "
                "the repository goes in repository=",
            )
    return tuple(dict.fromkeys(tags))


def _platforms(platforms: Sequence[str], owner: str) -> list[Any] | None:
    from pulumi_docker_build import Platform

    if isinstance(platforms, str):
        platforms = [platforms]
    known = {p.value: p for p in Platform}
    names = [p.value if isinstance(p, Platform) else p for p in platforms]
    unknown = [p for p in names if p not in known]
    if unknown:
        raise ComponentError(
            f"{owner}: unknown platform(s) {', '.join(map(repr, unknown))}",
            hint="use os/arch names such as 'linux/amd64' or 'linux/arm64'",
        )
    return [known[p] for p in dict.fromkeys(names)] or None


def _build_options(options: Mapping[str, Any], owner: str) -> dict[str, Any]:
    from pulumi_docker_build import ImageArgs

    extra = compiler_extra(options, SET_BY_COMPONENT, owner, "build_options")
    accepted = set(inspect.signature(ImageArgs.__init__).parameters) - {"__self__", "self"}
    unknown = sorted(set(extra) - accepted)
    if unknown:
        raise ComponentError(
            f"{owner}: build_options has no argument(s) {', '.join(unknown)}",
            hint="pulumi_docker_build.Image takes "
            + ", ".join(sorted(accepted - SET_BY_COMPONENT)),
        )
    return extra


def _prepare(
    source: WorkflowSource, args: WorkflowImageArgs, base: str, owner: str
) -> PreparedImage:
    from axl.errors import AxlError
    from axl.packaging.image_build import image_context

    root, _ = project_of(source, args.workflow_path, owner, into="the image")
    assert source.module_file is not None  # project_of refuses a class without a file
    exclude = [*args.exclude, *_inside(root, args.build_dir)]
    try:
        return image_context(
            source.cls,
            source.ir,
            source.module_file,
            root,
            base=base,
            pinned_base=base,
            exclude=exclude,
            size_limit=args.size_limit,
        )
    except AxlError as exc:
        raise in_component(owner, exc) from None


def _inside(root: Path, build_dir: str | os.PathLike[str] | None) -> list[str]:
    """A gitignore line that keeps a ``build_dir`` inside the project out of its own context."""
    if build_dir is None:
        return []  # .axl/ is never part of a project's code
    folder = Path(os.path.abspath(build_dir))
    return ["/" + folder.relative_to(root).as_posix()] if folder.is_relative_to(root) else []


def _write(
    prepared: PreparedImage, build_dir: str | os.PathLike[str] | None, owner: str
) -> ContextFolder:
    from axl.errors import AxlError
    from axl_pulumi.context_folder import write_context_folder

    folder = Path(build_dir) if build_dir is not None else Path.cwd() / BUILD_DIR
    try:
        return write_context_folder(prepared.context, folder)
    except AxlError as exc:
        raise in_component(owner, exc) from None
