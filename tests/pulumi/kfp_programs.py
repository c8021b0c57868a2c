"""Programs with the ``kfp`` target, run under the harness's mocks plus what a KFP server computes.

The harness's mocks echo a resource's inputs as its state; a ``KfpPipeline``'s
state also has the ids the server assigns on upload. :func:`axl_workflow`
wraps the running monitor's mocks so they return those ids too (unknown in a
preview, as for a version about to be uploaded).
"""

from __future__ import annotations

from typing import Any

import pulumi

from tests.pulumi import programs
from tests.pulumi.harness import ProviderMocks

KFP_PIPELINE = "pulumi-python:dynamic/axl:KfpPipeline"


def pipeline_id(pipeline_name: str) -> str:
    """The id the mocks give the pipeline ``pipeline_name``."""
    return f"pipeline-{pipeline_name}"


def version_id(spec_hash: str) -> str:
    """The id the mocks give the version of the spec whose digest is ``spec_hash``."""
    return f"version-{spec_hash.removeprefix('blake3:')[:16]}"


class KfpServerMocks(ProviderMocks):
    """The running mocks, with a KFP upload's ids in a ``KfpPipeline``'s state."""

    resource_type = KFP_PIPELINE

    def created(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        from pulumi.runtime import rpc

        state = dict(args.inputs)
        if pulumi.runtime.is_dry_run():
            state.update(pipeline_id=rpc.UNKNOWN, version_id=rpc.UNKNOWN)
            return None, state
        state.update(
            pipeline_id=pipeline_id(state["pipeline_name"]),
            version_id=version_id(state["spec_hash"]),
        )
        return state["version_id"], state


def with_kfp_server() -> None:
    """Make the running program's mocks compute what a KFP server would."""
    KfpServerMocks.install()


def axl_workflow(**kwargs: Any) -> None:
    """:func:`tests.pulumi.programs.axl_workflow` against a (mocked) KFP server."""
    with_kfp_server()
    programs.axl_workflow(**kwargs)


def kfp_pipeline(**kwargs: Any) -> None:
    """A ``KfpPipeline`` on its own, its outputs exported."""
    from axl_pulumi import KfpPipeline

    with_kfp_server()
    pipeline = KfpPipeline(kwargs.pop("name", "pipeline"), **kwargs)
    for key in ("pipeline_id", "version_id", "version_name", "pipeline_name", "spec_hash"):
        pulumi.export(key, getattr(pipeline, key))


def named_by_output(name: str, spec: str) -> None:
    """A ``KfpPipeline`` whose pipeline name is an ``Output`` (checked once it resolves)."""
    from axl_pulumi import KfpPipeline

    with_kfp_server()
    KfpPipeline(
        "pipeline",
        host="https://kfp.example.com",
        pipeline_name=pulumi.Output.from_input(name),
        spec=spec,
    )
