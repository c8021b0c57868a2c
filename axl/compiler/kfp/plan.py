"""Everything the KFP builders share, computed once per compile: the lowering and the names."""

from __future__ import annotations

from collections.abc import Mapping

from axl import kfp_paths
from axl.compiler.kfp import layout
from axl.compiler.kfp.conditions import Scopes, scopes, value_type
from axl.compiler.kfp.options import KfpOptions, KfpOptionsError, check_pipeline_name
from axl.dataclass_fast import dataclass
from axl.ir import IRCondition, IRNode, IRWorkflow
from axl.manifest import WARM_STEP, CodeArchive, WarmManifest
from axl.naming import unique_names
from axl.planning import Lowering, ManifestSettings, lower

DATASET_HANDLERS = frozenset({"parquet", "arrow"})
CODE_TASK = "axl-code"
"""The importer task that brings the code archive into the pipeline."""


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
    nodes: Mapping[str, IRNode]
    options: KfpOptions
    lowering: Lowering
    name: str
    names: Mapping[str, StepNames]
    scopes: Scopes
    value_types: Mapping[str, str]
    """The parameter type of each step's value that a ``when`` reads."""
    code: StepNames | None
    """The importer task of the code archive, when the code ships as one."""
    warm: WarmManifest | None = None
    """The warm step (``warm_env``), run before every step; None: none."""
    warm_names: StepNames | None = None


def make_plan(ir: IRWorkflow, options: KfpOptions) -> Plan:
    """Lower the IR with KFP's placeholder paths and name everything; O(steps + edges)."""
    archive = options.code_archive
    settings = ManifestSettings(
        workflow_ref=options.workflow_ref,
        python_path=options.python_path,
        packages_policy=options.packages_policy,
        code=CodeArchive(path=kfp_paths.CODE_PATH, digest=archive.digest) if archive else None,
        env_store=options.env_store,
        cache=options.cache,
    )
    lowering = lower(ir, layout.KfpArtifacts(), settings)
    _check_reserved(ir, lowering, code=archive is not None)
    warm = lowering.warm if lowering.warm is not None and lowering.warm.store else None
    reserved = tuple(
        name for name, used in ((CODE_TASK, archive), (WARM_STEP, warm)) if used is not None
    )
    tasks = unique_names([node.name for node in ir.nodes], reserved=reserved)
    names = {step: _names(task) for step, task in tasks.items()}
    name = check_pipeline_name(options.name or ir.name)
    nested = scopes(ir, {*tasks.values(), *reserved})
    return Plan(
        ir=ir,
        nodes=ir.lookups()[0],
        options=options,
        lowering=lowering,
        name=name,
        names=names,
        scopes=nested,
        value_types=_value_types(ir, lowering),
        code=_names(CODE_TASK) if archive is not None else None,
        warm=warm,
        warm_names=_names(WARM_STEP) if warm is not None else None,
    )


def _names(task: str) -> StepNames:
    return StepNames(task=task, component=f"comp-{task}", executor=f"exec-{task}")


def _check_reserved(ir: IRWorkflow, lowering: Lowering, *, code: bool) -> None:
    """The names axl's own task inputs take are not free for params and step arguments."""
    if kfp_paths.RUN_ID_INPUT in lowering.params:
        raise KfpOptionsError(
            f"workflow {ir.name!r}: the param name {kfp_paths.RUN_ID_INPUT!r} "
            "is kept for the run id",
            hint="rename the param",
        )
    if not code:
        return
    for node in ir.nodes:
        if any(item.name == kfp_paths.CODE_INPUT for item in node.inputs):
            raise KfpOptionsError(
                f"workflow {ir.name!r}, step {node.name!r}: the argument name "
                f"{kfp_paths.CODE_INPUT!r} is kept for the code archive",
                hint="rename the argument",
            )


def _value_types(ir: IRWorkflow, lowering: Lowering) -> dict[str, str]:
    nodes = ir.lookups()[0]
    reading: dict[str, list[IRCondition]] = {}
    for step in lowering.steps.values():
        if step.when is not None and step.when.source == "step":
            reading.setdefault(step.when.ref, []).append(step.when)
    return {name: value_type(nodes[name], conditions) for name, conditions in reading.items()}


def artifact_type(handler: str) -> str:
    """The artifact's schema title: ``system.Dataset`` for tables, ``system.Artifact`` else."""
    return "system.Dataset" if handler in DATASET_HANDLERS else "system.Artifact"
