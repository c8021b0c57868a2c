"""Programs with a baked image, run under the harness's mocks plus what a registry computes.

The harness's mocks echo a resource's inputs as its state; a
``docker-build:index:Image``'s state also has what BuildKit and the registry
report after a push: ``digest`` (``sha256:`` of the inputs here, so another
context is another digest), ``ref`` (``<first tag>@<digest>``, as the
provider writes it) and ``contextHash``. In a preview they are unknown, as
for an image about to be built.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pulumi

from tests.packaging.image_helpers import PINNED_BASE
from tests.pulumi import kfp_programs, programs
from tests.pulumi.harness import ProviderMocks

IMAGE = "docker-build:index:Image"
WORKFLOW_IMAGE = "axl:index:WorkflowImage"
COMPUTED = ("digest", "ref", "contextHash")


def image_digest(inputs: dict[str, Any]) -> str:
    """The digest the mocks give an image built from ``inputs`` (its registered inputs)."""
    text = json.dumps(inputs, sort_keys=True, default=str)
    return f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"


class RegistryMocks(ProviderMocks):
    """The running mocks, with a pushed build's digest and reference in an ``Image``'s state."""

    resource_type = IMAGE

    def created(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        from pulumi.runtime import rpc

        state = dict(args.inputs)
        if pulumi.runtime.is_dry_run():
            state.update(dict.fromkeys(COMPUTED, rpc.UNKNOWN))
            return None, state
        digest = image_digest(state) if state.get("push") else ""
        tags = state.get("tags") or [""]
        state.update(
            digest=digest,
            ref=f"{tags[0]}@{digest}" if digest else tags[0],
            contextHash=f"context-{state['context']['location']}",
        )
        return f"{args.name}-{digest[7:19] or 'local'}", state


def with_registry() -> None:
    """Make the running program's mocks compute what a build and a registry would."""
    RegistryMocks.install()


def axl_workflow(**kwargs: Any) -> None:
    """:func:`tests.pulumi.programs.axl_workflow` with a (mocked) registry and KFP server."""
    with_registry()
    kfp_programs.with_kfp_server()
    programs.axl_workflow(**kwargs)


def workflow_image(**kwargs: Any) -> None:
    """A ``WorkflowImage`` on its own, its outputs exported."""
    from axl_pulumi import WorkflowImage

    with_registry()
    image = WorkflowImage(kwargs.pop("name", "image"), **kwargs)
    for key in ("digest", "ref", "tags", "context_digest"):
        pulumi.export(key, getattr(image, key))


def repository_output(workflow: str, repository: str) -> None:
    """A ``WorkflowImage`` whose repository is an ``Output`` (as of a registry resource)."""
    workflow_image(
        workflow=workflow,
        repository=pulumi.Output.from_input(repository),
        base=PINNED_BASE,
    )
