"""Pulumi programs the tests run under mocks (module-level, so a child process can import them)."""

from __future__ import annotations

from typing import Any

import pulumi

RESOURCE_PROBE = "test:index:Probe"


def axl_workflow(**kwargs: Any) -> None:
    """One ``AxlWorkflow`` with the given arguments, its outputs exported."""
    from axl_pulumi import AxlWorkflow

    flow = AxlWorkflow(kwargs.pop("name", "flow"), **kwargs)
    pulumi.export("workflow_hash", flow.workflow_hash)
    for key, value in flow.outputs.items():
        pulumi.export(key, value)
    if flow.code_uri is not None:
        pulumi.export("code_uri", flow.code_uri)


def several(*programs: tuple[str, dict[str, Any]]) -> None:
    """Several ``AxlWorkflow`` programs in one stack: ``(name, kwargs)`` pairs."""
    from axl_pulumi import AxlWorkflow

    for name, kwargs in programs:
        AxlWorkflow(name, **kwargs)


def components(workflow: str, **options: Any) -> None:
    """``CodeArchive`` and ``ArgoWorkflowTemplate`` on their own, fed by other resources' outputs."""
    import pulumi_aws as aws
    import pulumi_kubernetes as k8s
    from axl_pulumi import ArgoWorkflowTemplate, CodeArchive

    bucket = aws.s3.BucketV2("artifacts", bucket="team-artifacts")
    namespace = k8s.core.v1.Namespace("ml", metadata={"name": "ml-team"})
    code = CodeArchive("code", workflow=workflow, bucket=bucket.bucket, prefix="flows/code")
    template = ArgoWorkflowTemplate(
        "template",
        workflow=workflow,
        code=code,
        namespace=namespace.metadata.apply(lambda m: m.name),
        **options,
    )
    pulumi.export("uri", code.uri)
    pulumi.export("digest", code.digest)
    pulumi.export("template_name", template.template_name)
    pulumi.export("namespace", template.namespace)
    pulumi.export("workflow_hash", template.workflow_hash)


def namespace_output(workflow: str, namespace: str) -> None:
    """An ``ArgoWorkflowTemplate`` whose namespace is an ``Output`` (checked once it resolves)."""
    from axl_pulumi import ArgoWorkflowTemplate

    ArgoWorkflowTemplate(
        "template", workflow=workflow, namespace=pulumi.Output.from_input(namespace)
    )


class FakeImageBuilder:
    """Stands in for an image build: a child component and a digest-pinned reference."""

    def build(self, name: str, source: Any, parent: pulumi.Resource) -> pulumi.Output[str]:
        image = pulumi.ComponentResource(
            "test:index:Image", name, None, pulumi.ResourceOptions(parent=parent)
        )
        ref = f"registry.example.com/{source.ir.name}@sha256:{source.ir.short_hash()}"
        image.register_outputs({"ref": ref})
        return pulumi.Output.from_input(ref)


def with_builder(**kwargs: Any) -> None:
    """An ``AxlWorkflow`` whose image comes from ``build=``."""
    axl_workflow(build=FakeImageBuilder(), **kwargs)


def probe(name: str, leave_config: bool) -> None:
    """Registers one resource, reports the config it sees, and optionally leaves some behind."""
    seen = pulumi.Config().get("probe")
    pulumi.ComponentResource(RESOURCE_PROBE, name, None)
    pulumi.export(f"{name}_saw", seen)
    if leave_config:
        pulumi.runtime.set_config(f"{pulumi.get_project()}:probe", f"left by {name}")


def probes_in_one_process() -> None:
    """Two probe programs run one after the other in the same process (what isolation avoids)."""
    probe("first", leave_config=True)
    probe("second", leave_config=False)


def mismatched_archive(archived: str, deployed: str) -> None:
    """A template given the code archive of another workflow."""
    from axl_pulumi import ArgoWorkflowTemplate, CodeArchive

    code = CodeArchive("code", workflow=archived, bucket="b-1")
    ArgoWorkflowTemplate("template", workflow=deployed, code=code)


def args_object(workflow: str, **kwargs: Any) -> None:
    """An ``AxlWorkflow`` given an ``AxlWorkflowArgs`` (and, wrongly, keywords too if any)."""
    from axl_pulumi import AxlWorkflow, AxlWorkflowArgs

    flow = AxlWorkflow("flow", AxlWorkflowArgs(workflow=workflow), **kwargs)
    pulumi.export("workflow_hash", flow.workflow_hash)
