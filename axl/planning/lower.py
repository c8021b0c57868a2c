"""``lower(ir, scheme, settings)``: every step of a workflow, as its backend will run it."""

from __future__ import annotations

from collections.abc import Mapping

from axl.dataclass_fast import dataclass
from axl.ir import IRCondition, IREnvVar, IRNode, IRParam, IRRetry, IRWorkflow
from axl.manifest import Manifest, WarmManifest
from axl.planning.manifests import ManifestSettings, step_manifest
from axl.planning.params import value_steps, workflow_params
from axl.planning.paths import PathScheme
from axl.planning.steps import merged_env
from axl.planning.warm import warm_manifest


@dataclass(frozen=True)
class StepPlan:
    """One step, lowered: its manifest and its effective settings."""

    node: IRNode
    manifest: Manifest
    upstream: tuple[str, ...]
    env: tuple[IREnvVar, ...]
    retries: IRRetry | None
    timeout: float | None
    when: IRCondition | None
    reads_value: bool

    @property
    def name(self) -> str:
        return self.node.name


@dataclass(frozen=True)
class Lowering:
    """A workflow, lowered: its steps in declaration order, its params, its warm step.

    ``warm`` is the manifest of the warm step (None: the steps warm nothing);
    its ``store`` is None where envs cannot be shared beyond this machine.
    """

    ir: IRWorkflow
    steps: Mapping[str, StepPlan]
    params: Mapping[str, IRParam | None]
    warm: WarmManifest | None = None


def lower(ir: IRWorkflow, scheme: PathScheme, settings: ManifestSettings) -> Lowering:
    """Lower every step of ``ir``; O(steps + edges)."""
    reads = value_steps(ir)
    nodes, upstream = ir.lookups()
    steps = {
        node.name: StepPlan(
            node=node,
            manifest=step_manifest(
                ir, node, scheme, settings, reads_value=node.name in reads, nodes=nodes
            ),
            upstream=tuple(upstream[node.name]),
            env=merged_env(ir, node),
            retries=node.retries if node.retries is not None and node.retries.count > 0 else None,
            timeout=node.timeout,
            when=node.when,
            reads_value=node.name in reads,
        )
        for node in ir.nodes
    }
    manifests = (step.manifest for step in steps.values())
    warm = warm_manifest(ir, manifests, settings.packages_policy, settings.env_store)
    return Lowering(ir=ir, steps=steps, params=workflow_params(ir), warm=warm)
