"""Everything the Argo builders share, computed once per compile: names, lookups, params."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from axl.compiler.argo import layout
from axl.compiler.argo.options import ArgoOptions
from axl.compiler.naming import unique_names
from axl.ir import IRNode, IRParam, IRWorkflow

DAG_TEMPLATE = "main"


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
    """The IR with plain-dict lookups (O(1), no model overhead) and every derived name."""

    ir: IRWorkflow
    options: ArgoOptions
    nodes: Mapping[str, IRNode]
    upstream: Mapping[str, list[str]]
    names: Mapping[str, StepNames]
    params: tuple[WorkflowParam, ...]
    value_steps: frozenset[str]

    def param(self, name: str) -> WorkflowParam:
        """The workflow param called ``name`` in Python."""
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)


def make_plan(ir: IRWorkflow, options: ArgoOptions) -> Plan:
    """Index the IR and name everything; O(steps + edges)."""
    nodes = {node.name: node for node in ir.nodes}
    upstream: dict[str, list[str]] = {name: [] for name in nodes}
    seen: set[tuple[str, str]] = set()
    for edge in ir.edges:
        if (edge.source, edge.target) not in seen:
            seen.add((edge.source, edge.target))
            upstream[edge.target].append(edge.source)
    declared = workflow_params(ir)
    argo_names = unique_names(list(declared))
    return Plan(
        ir=ir,
        options=options,
        nodes=nodes,
        upstream=upstream,
        names=_step_names(ir, options),
        params=tuple(
            WorkflowParam(name=name, argo_name=argo_names[name], decl=decl)
            for name, decl in declared.items()
        ),
        value_steps=frozenset(
            node.when.ref
            for node in ir.nodes
            if node.when is not None and node.when.source == "step"
        ),
    )


def _step_names(ir: IRWorkflow, options: ArgoOptions) -> dict[str, StepNames]:
    templates = unique_names([node.name for node in ir.nodes], reserved=(DAG_TEMPLATE,))
    reserved = (layout.CODE_ARTIFACT,) if options.code_archive is not None else ()
    out: dict[str, StepNames] = {}
    for node in ir.nodes:
        args = [item.name for item in node.inputs if item.source == "step"]
        inputs = unique_names(args, reserved=reserved) if args else {}
        out[node.name] = StepNames(template=templates[node.name], inputs=inputs)
    return out


def workflow_params(ir: IRWorkflow) -> dict[str, IRParam | None]:
    """Declared params in order; for workflows that declare none, the ones steps read."""
    if not ir.open_params:
        return {param.name: param for param in ir.params}
    found: dict[str, IRParam | None] = {}
    for node in ir.nodes:
        for item in node.inputs:
            if item.source == "param" and item.ref is not None:
                found.setdefault(item.ref, None)
        if node.when is not None and node.when.source == "param":
            found.setdefault(node.when.ref, None)
    return found
