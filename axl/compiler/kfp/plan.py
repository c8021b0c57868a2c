"""Everything the KFP builders share, computed once per compile: the lowering and the names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from axl import kfp_paths
from axl.compiler.kfp import layout
from axl.compiler.kfp.options import KfpOptions, KfpOptionsError, check_pipeline_name
from axl.ir import IRWorkflow
from axl.naming import unique_names
from axl.planning import Lowering, ManifestSettings, StepPlan, lower

DATASET_HANDLERS = frozenset({"parquet", "arrow"})


@dataclass(frozen=True)
class StepNames:
    """The KFP names of one step: its task, its component and its executor."""

    task: str
    component: str
    executor: str


@dataclass(frozen=True)
class Plan:
    """The lowered workflow and every name KFP needs for it."""

    ir: IRWorkflow
    options: KfpOptions
    lowering: Lowering
    name: str
    names: Mapping[str, StepNames]


def make_plan(ir: IRWorkflow, options: KfpOptions) -> Plan:
    """Lower the IR with KFP's placeholder paths and name everything; O(steps + edges)."""
    settings = ManifestSettings(
        workflow_ref=options.workflow_ref,
        python_path=options.python_path,
        packages_policy=options.packages_policy,
    )
    lowering = lower(ir, layout.KfpArtifacts(), settings)
    if kfp_paths.RUN_ID_INPUT in lowering.params:
        raise KfpOptionsError(
            f"workflow {ir.name!r}: the param name {kfp_paths.RUN_ID_INPUT!r} "
            "is kept for the run id",
            hint="rename the param",
        )
    for step in lowering.steps.values():
        _check_supported(ir, step)
    tasks = unique_names([node.name for node in ir.nodes])
    names = {
        step: StepNames(task=task, component=f"comp-{task}", executor=f"exec-{task}")
        for step, task in tasks.items()
    }
    name = check_pipeline_name(options.name or ir.name)
    return Plan(ir=ir, options=options, lowering=lowering, name=name, names=names)


def artifact_type(handler: str) -> str:
    """The artifact's schema title: ``system.Dataset`` for tables, ``system.Artifact`` else."""
    return "system.Dataset" if handler in DATASET_HANDLERS else "system.Artifact"


def _check_supported(ir: IRWorkflow, step: StepPlan) -> None:
    """Refuse what this target cannot express yet rather than drop it."""
    if step.when is not None:
        raise KfpOptionsError(
            f"workflow {ir.name!r}, step {step.name!r}: when={step.when.text!r} cannot be "
            "compiled for KFP yet",
            hint="compile this workflow with --target argo, or run it locally",
        )
    for var in step.env:
        if var.secret is not None:
            raise KfpOptionsError(
                f"workflow {ir.name!r}, step {step.name!r}: env {var.name} from Secret "
                f"{var.secret.name}/{var.secret.key} cannot be compiled for KFP yet",
                hint="compile this workflow with --target argo, or run it locally",
            )
