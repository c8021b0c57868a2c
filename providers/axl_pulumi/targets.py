"""The deployment targets ``AxlWorkflow(targets=[...])`` knows, and how each is deployed.

A target is a function that creates the target's child resources under the
``AxlWorkflow`` and returns its outputs; adding one (Dagster) is a
new entry in :data:`TARGETS` plus an options field on ``AxlWorkflowArgs``,
with no change to the existing signature.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pulumi

from axl_pulumi._args import shared_fields
from axl_pulumi.errors import ComponentError

if TYPE_CHECKING:
    from axl_pulumi.code_archive import CodeArchive
    from axl_pulumi.source import WorkflowSource


@dataclass(frozen=True)
class ArgoTarget:
    """Options of the ``argo`` target (an Argo ``WorkflowTemplate``)."""

    namespace: pulumi.Input[str] | None = None
    service_account: pulumi.Input[str] | None = None
    artifacts: Literal["s3", "pvc"] = "s3"
    template_name: str | None = None
    code_endpoint: pulumi.Input[str] | None = None
    code_secret: str | None = None
    compiler_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class KfpTarget:
    """Options of the ``kfp`` target (a pipeline version on a Kubeflow Pipelines server).

    ``host`` is the KFP API endpoint and ``token`` a bearer token for it (both kept
    as secrets; without a token, ``$KFP_TOKEN`` of ``pulumi up``'s environment, if
    set, is sent); ``namespace`` the profile namespace of a multi-user installation;
    ``pipeline_name`` defaults to the workflow's name; ``compiler_options`` are
    further ``axl.compiler.kfp.KfpOptions`` fields (``packages_policy``,
    ``python_path``).
    """

    host: pulumi.Input[str]
    token: pulumi.Input[str] | None = None
    namespace: pulumi.Input[str] | None = None
    pipeline_name: str | None = None
    compiler_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImageTarget:
    """The workflow's own image, baked and pushed (``AxlWorkflow(image=ImageTarget(...))``).

    A :class:`~axl_pulumi.WorkflowImage` child builds it from the context ``axl
    build-image`` writes and pushes it to ``repository`` (under ``tags``; default
    ``context-<digest16>``); every target's steps that name no image of their own run
    it by digest. ``platforms`` are e.g. ``["linux/amd64"]``; ``base`` the axl runner
    image to build on (default: the one of this axl version); ``build_dir`` where the
    context folder is written (default ``.axl/images``); ``build_options`` further
    ``pulumi_docker_build.Image`` arguments (``registries``, ``cache_from``, ...).
    """

    repository: pulumi.Input[str]
    tags: Sequence[str] | None = None
    push: bool = True
    platforms: Sequence[str] = ()
    base: str | None = None
    build_dir: str | os.PathLike[str] | None = None
    build_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeployContext:
    """What a target needs to deploy one workflow."""

    name: str
    parent: pulumi.Resource
    source: WorkflowSource
    code: CodeArchive | None
    bucket: pulumi.Input[str] | None
    """The bucket of ``code`` as given (known in a preview, unlike the object's output)."""
    image: pulumi.Input[str] | None
    params: Mapping[str, Any] | None
    options: Any
    """The target's own options object (e.g. :class:`ArgoTarget`), or None for its defaults."""


@dataclass(frozen=True)
class Deployment:
    """A deployed target: its component and the outputs the ``AxlWorkflow`` exposes."""

    resource: pulumi.Resource
    outputs: Mapping[str, pulumi.Output[Any]]


def deploy_argo(ctx: DeployContext) -> Deployment:
    """An :class:`~axl_pulumi.ArgoWorkflowTemplate` child named ``<name>-argo``."""
    from axl_pulumi.argo_template import ArgoWorkflowTemplate, ArgoWorkflowTemplateArgs

    options = ctx.options if ctx.options is not None else ArgoTarget()
    template = ArgoWorkflowTemplate(
        f"{ctx.name}-argo",
        ArgoWorkflowTemplateArgs(
            workflow=ctx.source,
            code=ctx.code,
            image=ctx.image,
            params=ctx.params,
            **shared_fields(options, ArgoWorkflowTemplateArgs),
        ),
        pulumi.ResourceOptions(parent=ctx.parent),
    )
    return Deployment(
        resource=template,
        outputs={
            "argo_template_name": template.template_name,
            "argo_namespace": template.namespace,
        },
    )


def deploy_kfp(ctx: DeployContext) -> Deployment:
    """A :class:`~axl_pulumi.KfpPipeline` child named ``<name>-kfp``: the spec compiled as
    ``axl compile --target kfp`` compiles it, uploaded as a version named after its digest."""
    from axl_pulumi._args import describe
    from axl_pulumi.kfp_pipeline import TYPE_TOKEN, KfpPipeline, KfpPipelineArgs
    from axl_pulumi.kfp_spec import CompiledSpec, KfpSpecCompiler

    name = f"{ctx.name}-kfp"
    owner = describe(TYPE_TOKEN, name)
    options: KfpTarget = ctx.options
    compiler = KfpSpecCompiler(
        ctx.source.ir,
        owner=owner,
        pipeline_name=options.pipeline_name,
        compiler_options=options.compiler_options,
        code=ctx.code.location if ctx.code is not None else None,
        params=ctx.params,
    )

    def spec_text(values: Mapping[str, Any]) -> str:
        compiled: CompiledSpec = compiler.compile(values)
        for warning in compiled.warnings:
            pulumi.log.warn(f"{owner}: {warning}", resource=ctx.parent)
        return compiled.text

    code = ctx.code
    spec = pulumi.Output.all(
        image=ctx.image, bucket=ctx.bucket if code is not None else None
    ).apply(spec_text)
    pipeline = KfpPipeline(
        name,
        KfpPipelineArgs(
            host=options.host,
            token=options.token,
            namespace=options.namespace,
            pipeline_name=compiler.pipeline_name,
            spec=spec,
            workflow_hash=ctx.source.ir.compute_hash(),
        ),
        # No version may name code that is not uploaded yet.
        pulumi.ResourceOptions(
            parent=ctx.parent, depends_on=[code.object] if code is not None else None
        ),
    )
    return Deployment(
        resource=pipeline,
        outputs={
            "kfp_pipeline_name": pipeline.pipeline_name,
            "kfp_pipeline_id": pipeline.pipeline_id,
            "kfp_version_name": pipeline.version_name,
            "kfp_version_id": pipeline.version_id,
        },
    )


@dataclass(frozen=True)
class Target:
    """A target name, the options type it takes, and the function that deploys it."""

    name: str
    options_type: type
    deploy: Callable[[DeployContext], Deployment]
    example: str
    """The options as an error's hint shows them."""
    needs_options: bool = False
    """Whether the target has no defaults (``kfp`` needs at least a host)."""


TARGETS: Mapping[str, Target] = {
    "argo": Target("argo", ArgoTarget, deploy_argo, "ArgoTarget(namespace='ml')"),
    "kfp": Target(
        "kfp",
        KfpTarget,
        deploy_kfp,
        "KfpTarget(host='https://kfp.example.com')",
        needs_options=True,
    ),
}
PLANNED: Mapping[str, str] = {"dagster": "Dagster"}
"""Targets axl compiles to that these components do not deploy yet."""


def check_targets(targets: Sequence[str], owner: str) -> tuple[str, ...]:
    """The targets in order, without repeats; unknown and planned ones are clear errors."""
    available = ", ".join(TARGETS)
    if isinstance(targets, str) or not isinstance(targets, Sequence):
        raise ComponentError(
            f"{owner}: targets={targets!r} must be a list of target names",
            hint=f"e.g. targets=['argo'] (available: {available})",
        )
    if not targets:
        raise ComponentError(f"{owner}: targets is empty", hint=f"available targets: {available}")
    for target in targets:
        if target in TARGETS:
            continue
        if target in PLANNED:
            raise ComponentError(
                f"{owner}: target {target!r} ({PLANNED[target]}) cannot be deployed "
                "by axl-pulumi yet",
                hint=f"available targets: {available}",
            )
        raise ComponentError(
            f"{owner}: unknown target {target!r}", hint=f"available targets: {available}"
        )
    return tuple(dict.fromkeys(targets))
