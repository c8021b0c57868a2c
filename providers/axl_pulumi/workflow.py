"""``AxlWorkflow``: one line that packages a workflow's code and deploys it to each target."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import pulumi

from axl_pulumi._args import args_from, describe, shared_fields
from axl_pulumi.code_archive import DEFAULT_PREFIX, DEFAULT_SIZE_LIMIT, CodeArchive, CodeArchiveArgs
from axl_pulumi.errors import ComponentError
from axl_pulumi.source import WorkflowLike, WorkflowSource, resolve_workflow
from axl_pulumi.targets import (
    TARGETS,
    ArgoTarget,
    DeployContext,
    ImageTarget,
    KfpTarget,
    check_targets,
)
from axl_pulumi.workflow_image import WorkflowImage, WorkflowImageArgs

TYPE_TOKEN = "axl:index:AxlWorkflow"


@runtime_checkable
class ImageBuilder(Protocol):
    """Builds the runner image a workflow's steps run in (``AxlWorkflow(build=...)``).

    ``build`` creates its resources as children of ``parent`` and returns the
    image reference, ideally pinned by digest, so that a rebuilt image shows in
    the preview as a change of the templates that use it.
    """

    def build(
        self, name: str, source: WorkflowSource, parent: pulumi.Resource
    ) -> pulumi.Output[str]:
        """Create the image's resources and return its reference."""
        ...


@dataclass(frozen=True)
class AxlWorkflowArgs:
    """Inputs of :class:`AxlWorkflow`."""

    workflow: WorkflowLike
    """The workflow class, or a target such as ``flows/train.py:Train``."""
    targets: Sequence[str] = ("argo",)
    """Where to deploy it: ``argo`` (an Argo WorkflowTemplate), ``kfp`` (a Kubeflow
    Pipelines pipeline version)."""
    bucket: pulumi.Input[str] | None = None
    """S3 bucket for the code archive; None deploys no archive (the image must hold the code)."""
    prefix: str = DEFAULT_PREFIX
    """Key prefix of the code archive in the bucket."""
    workflow_path: str | os.PathLike[str] | None = None
    """The project folder to archive (default: found from the workflow file)."""
    archive_dir: str | os.PathLike[str] | None = None
    """Where the archive file is written (default: ``.axl/archives`` in the program's folder)."""
    size_limit: int = DEFAULT_SIZE_LIMIT
    """Refuse code bigger than this many bytes (uncompressed)."""
    exclude: tuple[str, ...] = ()
    """Extra gitignore-style patterns to leave out of the archive."""
    image: pulumi.Input[str] | ImageTarget | None = None
    """Runner image of the steps that name none (default: the runner image of this axl
    version), or an :class:`ImageTarget`: the workflow's own image, built and pushed,
    that those steps run by digest (the code is in it: no ``bucket``)."""
    build: ImageBuilder | None = None
    """Builds the runner image instead of ``image``."""
    params: Mapping[str, Any] | None = None
    """Default values of workflow params, for every target."""
    argo: ArgoTarget | None = None
    """Options of the ``argo`` target."""
    kfp: KfpTarget | None = None
    """Options of the ``kfp`` target (required with it: at least the server's ``host``)."""


class AxlWorkflow(pulumi.ComponentResource):
    """A workflow packaged and deployed to each of its targets.

    Children: ``<name>-code`` (a :class:`CodeArchive`, when ``bucket`` is set),
    ``<name>-image`` (a :class:`WorkflowImage`, with ``image=ImageTarget(...)``; or
    what ``build`` makes), and one component per target (``<name>-argo``: an
    :class:`ArgoWorkflowTemplate`; ``<name>-kfp``: a :class:`KfpPipeline`). Outputs:
    ``workflow_hash``, ``code_uri`` (with a bucket), ``image_ref``, ``image_digest``
    and ``image_tags`` (with an ``ImageTarget``), and per target e.g.
    ``argo_template_name``, ``argo_namespace``, ``kfp_pipeline_name``,
    ``kfp_version_name``, ``kfp_version_id``.
    """

    workflow_hash: pulumi.Output[str]
    code_uri: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        args: AxlWorkflowArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        owner = describe(TYPE_TOKEN, name)
        args = args_from(AxlWorkflowArgs, args, kwargs, owner)
        targets = check_targets(args.targets, owner)
        _check_target_options(args, targets, owner)
        if args.image is not None and args.build is not None:
            raise ComponentError(
                f"{owner}: pass image= or build=, not both",
                hint="build= produces the image reference itself",
            )
        if args.build is not None and not isinstance(args.build, ImageBuilder):
            raise ComponentError(
                f"{owner}: build={args.build!r} has no build(name, source, parent) method"
            )
        self.source: WorkflowSource = resolve_workflow(args.workflow, owner)
        self.targets = targets
        warnings = [*self.source.warnings]
        if isinstance(args.image, ImageTarget):
            warnings += _check_baked(args, args.image, self.source, owner)
        super().__init__(TYPE_TOKEN, name, None, opts)

        for warning in warnings:
            pulumi.log.warn(f"{owner}: {warning}", resource=self)
        child = pulumi.ResourceOptions(parent=self)
        self.code: CodeArchive | None = None
        if args.bucket is not None:
            archive = {**shared_fields(args, CodeArchiveArgs), "workflow": self.source}
            self.code = CodeArchive(f"{name}-code", CodeArchiveArgs(**archive), child)
        self.image: WorkflowImage | None = None
        """The baked image (with ``image=ImageTarget(...)``)."""
        outputs: dict[str, Any] = {}
        image: pulumi.Input[str] | None
        if isinstance(args.image, ImageTarget):
            self.image = _bake(f"{name}-image", args, args.image, self.source, child)
            image = self.image.ref.apply(lambda ref: _pushed(ref, owner))
            outputs.update(
                image_ref=image, image_digest=self.image.digest, image_tags=self.image.tags
            )
        elif args.build is not None:
            image = args.build.build(f"{name}-image", self.source, self)
        else:
            image = args.image
        self.deployments: dict[str, pulumi.Resource] = {}
        for target in targets:
            deployed = TARGETS[target].deploy(
                DeployContext(
                    name=name,
                    parent=self,
                    source=self.source,
                    code=self.code,
                    bucket=args.bucket,
                    image=image,
                    params=args.params,
                    options=getattr(args, target),
                )
            )
            self.deployments[target] = deployed.resource
            outputs.update(deployed.outputs)
        self.workflow_hash = pulumi.Output.from_input(self.source.ir.compute_hash())
        self.code_uri = self.code.uri if self.code is not None else None
        self.outputs: dict[str, Any] = outputs
        """Per-target outputs, e.g. ``argo_template_name``, and the baked image's."""
        self.register_outputs(
            {
                "workflow_hash": self.workflow_hash,
                "targets": list(targets),
                **({"code_uri": self.code_uri} if self.code_uri is not None else {}),
                **outputs,
            }
        )


def _check_target_options(args: AxlWorkflowArgs, targets: Sequence[str], owner: str) -> None:
    for target in TARGETS.values():
        options = getattr(args, target.name)
        if options is not None and not isinstance(options, target.options_type):
            raise ComponentError(
                f"{owner}: {target.name}= must be an {target.options_type.__name__}, "
                f"not {type(options).__name__}",
                hint=f"e.g. {target.name}={target.example}",
            )
        if options is None and target.needs_options and target.name in targets:
            raise ComponentError(
                f"{owner}: target {target.name!r} needs {target.name}=",
                hint=f"e.g. {target.name}={target.example}",
            )


def _check_baked(
    args: AxlWorkflowArgs, baked: ImageTarget, source: WorkflowSource, owner: str
) -> list[str]:
    """An image baked for the workflow is its code and its packages, run by digest: no code
    archive beside it, a push, no install at run time, and some step that runs it."""
    from axl.planning import step_image

    archive = [
        f"{key}="
        for key, given in (
            ("bucket", args.bucket is not None),
            ("prefix", args.prefix != DEFAULT_PREFIX),
            ("archive_dir", args.archive_dir is not None),
        )
        if given
    ]
    if archive:
        raise ComponentError(
            f"{owner}: image=ImageTarget(...) bakes the code into the image, so there is no "
            f"code archive for {', '.join(archive)}",
            hint="leave them out, or pass image= a runner image to ship the code as an archive",
        )
    if not baked.push:
        raise ComponentError(
            f"{owner}: image=ImageTarget(push=False): the steps run the image by digest, "
            "which only a pushed image has",
            hint="pass push=True, or build without pushing with WorkflowImage on its own",
        )
    for target in TARGETS:
        options = getattr(args, target)
        policy = getattr(options, "compiler_options", {}).get("packages_policy")
        if policy == "install":
            raise ComponentError(
                f"{owner}: {target} packages_policy='install' with a baked image: the image "
                "holds its packages and never installs at run time",
                hint="leave packages_policy out (check), or pass 'none'",
            )
    ir = source.ir
    own = [n.name for n in ir.nodes if step_image(ir, n, "") != ""]
    if len(own) == len(ir.nodes):
        raise ComponentError(
            f"{owner}: every step of workflow {ir.name!r} names its own image, so none "
            "would run the baked one",
            hint="remove image= from the workflow (and the steps), or leave ImageTarget out",
        )
    if own:
        return [f"step(s) {', '.join(own)} name their own image and do not run the baked one"]
    return []


def _bake(
    name: str,
    args: AxlWorkflowArgs,
    baked: ImageTarget,
    source: WorkflowSource,
    opts: pulumi.ResourceOptions,
) -> WorkflowImage:
    fields = {
        **shared_fields(args, WorkflowImageArgs),
        **shared_fields(baked, WorkflowImageArgs),
        "workflow": source,
    }
    return WorkflowImage(name, WorkflowImageArgs(**fields), opts)


def _pushed(ref: str, owner: str) -> str:
    """The baked image's ``REPOSITORY@sha256:...``; an image without one cannot be run."""
    if not ref:
        raise ComponentError(
            f"{owner}: the baked image has no digest (it was not pushed), so no step can "
            "run it by digest",
            hint="check the image's build_options: nothing may disable its push",
        )
    return ref
