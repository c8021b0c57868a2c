"""Everything the Argo builders share, computed once per compile: the lowering and the names."""

from __future__ import annotations

from collections.abc import Mapping

from axl.compiler.argo import layout
from axl.compiler.argo.options import ArgoOptions
from axl.dataclass_fast import dataclass
from axl.ir import IRParam, IRWorkflow
from axl.manifest import WARM_STEP, CodeArchive, WarmManifest
from axl.naming import unique_names
from axl.planning import Lowering, ManifestSettings, lower

DAG_TEMPLATE = "main-dag"


@dataclass(frozen=True)
class StepNames:
    """The Kubernetes names of one step: its template (also its task) and its input artifacts."""

    template: str
    inputs: Mapping[str, str]


@dataclass(frozen=True)
class WorkflowParam:
    """A workflow param: its name in Python, its Argo name, its declaration (None: undeclared)."""

    name: str
    argo_name: str
    decl: IRParam | None


@dataclass(frozen=True)
class Plan:
    """The lowered workflow and every name Argo needs for it."""

    ir: IRWorkflow
    options: ArgoOptions
    lowering: Lowering
    names: Mapping[str, StepNames]
    params: tuple[WorkflowParam, ...]
    warm: WarmManifest | None = None
    """The warm step (``warm_env``), run before every step; None: none."""

    def param(self, name: str) -> WorkflowParam:
        """The workflow param called ``name`` in Python."""
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)


def make_plan(ir: IRWorkflow, options: ArgoOptions) -> Plan:
    """Lower the IR with the pod paths and name everything; O(steps + edges)."""
    code = None
    if options.code_archive is not None:
        code = CodeArchive(path=layout.CODE_PATH, digest=options.code_archive.digest)
    settings = ManifestSettings(
        workflow_ref=options.workflow_ref,
        code=code,
        python_path=options.python_path,
        packages_policy=options.packages_policy,
        env_store=options.env_store,
        cache=options.cache,
    )
    lowering = lower(ir, layout.path_scheme(options.artifacts), settings)
    warm = lowering.warm if lowering.warm is not None and lowering.warm.store else None
    argo_names = unique_names(list(lowering.params))
    return Plan(
        ir=ir,
        options=options,
        lowering=lowering,
        names=_step_names(ir, options, warm=warm is not None),
        params=tuple(
            WorkflowParam(name=name, argo_name=argo_names[name], decl=decl)
            for name, decl in lowering.params.items()
        ),
        warm=warm,
    )


def _step_names(ir: IRWorkflow, options: ArgoOptions, *, warm: bool) -> dict[str, StepNames]:
    reserved_templates = (DAG_TEMPLATE, WARM_STEP) if warm else (DAG_TEMPLATE,)
    templates = unique_names([node.name for node in ir.nodes], reserved=reserved_templates)
    reserved = (layout.CODE_ARTIFACT,) if options.code_archive is not None else ()
    out: dict[str, StepNames] = {}
    for node in ir.nodes:
        args = [item.name for item in node.inputs if item.source == "step"]
        inputs = unique_names(args, reserved=reserved) if args else {}
        out[node.name] = StepNames(template=templates[node.name], inputs=inputs)
    return out
