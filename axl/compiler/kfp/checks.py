"""The fast check of a compiled ``PipelineSpec``: strict proto parsing and the DAG's structure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axl.compiler.kfp.protos import json_format, pipeline_spec_pb2
from axl.errors import LintError
from axl.ir import IRWorkflow

_SHOWN = 5


def structure_errors(document: Mapping[str, Any]) -> list[str]:
    """What KFP would reject: unknown fields, and tasks naming what does not exist or a cycle."""
    to_json = json_format()
    try:
        to_json.ParseDict(document, pipeline_spec_pb2().PipelineSpec(), ignore_unknown_fields=False)
    except to_json.ParseError as exc:
        return [f"not a PipelineSpec: {' '.join(str(exc).split())}"]
    components = document.get("components", {})
    executors = document.get("deploymentSpec", {}).get("executors", {})
    tasks = document.get("root", {}).get("dag", {}).get("tasks", {})
    errors = []
    for name, component in sorted(components.items()):
        label = component.get("executorLabel")
        if label not in executors:
            errors.append(f"component {name!r}: executor {label!r} does not exist")
    for name, task in sorted(tasks.items()):
        ref = task.get("componentRef", {}).get("name")
        if ref not in components:
            errors.append(f"task {name!r}: component {ref!r} does not exist")
        for upstream in task.get("dependentTasks", []):
            if upstream not in tasks:
                errors.append(f"task {name!r}: dependent task {upstream!r} does not exist")
        for arg, given in sorted(task.get("inputs", {}).get("artifacts", {}).items()):
            producer = given.get("taskOutputArtifact", {}).get("producerTask")
            if producer is not None and producer not in task.get("dependentTasks", []):
                errors.append(
                    f"task {name!r}: input {arg!r} comes from {producer!r}, not a dependency"
                )
    errors += _cycle(tasks)
    return errors


def _cycle(tasks: Mapping[str, Any]) -> list[str]:
    """A cycle among the tasks, found by removing tasks without pending dependencies."""
    pending = {
        name: {up for up in task.get("dependentTasks", []) if up in tasks}
        for name, task in tasks.items()
    }
    waiting: dict[str, list[str]] = {name: [] for name in tasks}
    for name, ups in pending.items():
        for up in ups:
            waiting[up].append(name)
    ready = [name for name, ups in pending.items() if not ups]
    done = 0
    while ready:
        name = ready.pop()
        done += 1
        for down in waiting[name]:
            pending[down].discard(name)
            if not pending[down]:
                ready.append(down)
    if done == len(tasks):
        return []
    stuck = sorted(name for name, ups in pending.items() if ups)
    return [f"tasks {', '.join(stuck[:_SHOWN])} form or wait on a cycle"]


def check(document: Mapping[str, Any]) -> list[str]:
    """Raise :class:`LintError` naming the first errors; there are no warnings to return."""
    errors = structure_errors(document)
    if errors:
        shown = "; ".join(errors[:_SHOWN])
        hidden = len(errors) - _SHOWN
        more = f" (and {hidden} more)" if hidden > 0 else ""
        raise LintError(
            f"the compiled PipelineSpec fails the check: {shown}{more}",
            hint="this is likely a bug in axl's KFP compiler; --no-lint writes it anyway",
        )
    return []


def document_warnings(ir: IRWorkflow) -> list[str]:
    """What the pipeline does not carry over from the workflow yet."""
    return [
        f"step {node.name!r}: timeout={node.timeout:g}s is not enforced on KFP yet"
        for node in ir.nodes
        if node.timeout is not None
    ]
