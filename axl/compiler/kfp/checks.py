"""The fast check of a compiled ``PipelineSpec``: strict proto parsing and the DAG's structure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axl.compiler.kfp.options import KfpOptionsError
from axl.compiler.kfp.protos import json_format, pipeline_spec_pb2
from axl.errors import LintError

_SHOWN = 5
MAX_UPLOAD_BYTES = 32 * 2**20
"""The KFP API server's limit on an uploaded pipeline file."""
LONG_NAME = 40
"""Pipeline names longer than this make pod names that can pass 63 characters."""


def structure_errors(document: Mapping[str, Any], *, built: bool = False) -> list[str]:
    """What KFP would reject: unknown fields, and tasks naming what does not exist or a cycle.

    ``built``: the document is what :func:`~axl.compiler.kfp.compiler.compile`
    made from typed protos (the executors too, before they went into the
    ``deploymentSpec`` Struct), so parsing it again cannot fail: only the
    references between its parts are checked.
    """
    to_json = json_format()
    pb2 = pipeline_spec_pb2()
    components = document.get("components", {})
    executors = document.get("deploymentSpec", {}).get("executors", {})
    if not built:
        try:
            to_json.ParseDict(document, pb2.PipelineSpec(), ignore_unknown_fields=False)
            for executor in executors.values():  # a Struct: the whole-document parse skips it
                to_json.ParseDict(
                    executor,
                    pb2.PipelineDeploymentConfig.ExecutorSpec(),
                    ignore_unknown_fields=False,
                )
        except to_json.ParseError as exc:
            return [f"not a PipelineSpec: {' '.join(str(exc).split())}"]
    errors = []
    dags = [("root", document.get("root", {}))]
    for name, component in sorted(components.items()):
        if "dag" in component:
            dags.append((name, component))
            continue
        label = component.get("executorLabel")
        if label not in executors:
            errors.append(f"component {name!r}: executor {label!r} does not exist")
    for where, component in dags:
        errors += _dag_errors(where, component, components)
    return errors


def _dag_errors(
    where: str, component: Mapping[str, Any], components: Mapping[str, Any]
) -> list[str]:
    """The tasks of one DAG: their components, dependencies and input wiring."""
    tasks = component.get("dag", {}).get("tasks", {})
    declared = component.get("inputDefinitions", {})
    errors = []
    for name, task in sorted(tasks.items()):
        label = f"{where}: task {name!r}"
        ref = task.get("componentRef", {}).get("name")
        if ref not in components:
            errors.append(f"{label}: component {ref!r} does not exist")
        for upstream in task.get("dependentTasks", []):
            if upstream not in tasks:
                errors.append(f"{label}: dependent task {upstream!r} is not in its DAG")
        given = task.get("inputs", {})
        for kind, output in (
            ("artifacts", "taskOutputArtifact"),
            ("parameters", "taskOutputParameter"),
        ):
            for arg, wire in sorted(given.get(kind, {}).items()):
                producer = wire.get(output, {}).get("producerTask")
                if producer is not None and producer not in task.get("dependentTasks", []):
                    errors.append(
                        f"{label}: input {arg!r} comes from {producer!r}, not a dependency"
                    )
                handed = wire.get("componentInputArtifact") or wire.get("componentInputParameter")
                if handed is not None and handed not in declared.get(kind, {}):
                    errors.append(f"{label}: input {arg!r} reads {handed!r}, which {where} lacks")
    errors += [f"{where}: {error}" for error in _cycle(tasks)]
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


def platform_errors(platform: Mapping[str, Any], document: Mapping[str, Any]) -> list[str]:
    """What KFP would reject in the platform spec: unknown fields, executors that do not exist."""
    to_json = json_format()
    try:
        to_json.ParseDict(platform, pipeline_spec_pb2().PlatformSpec(), ignore_unknown_fields=False)
    except to_json.ParseError as exc:
        return [f"not a PlatformSpec: {' '.join(str(exc).split())}"]
    executors = document.get("deploymentSpec", {}).get("executors", {})
    given = platform.get("platforms", {}).get("kubernetes", {}).get("deploymentSpec", {})
    return [
        f"platform spec: executor {name!r} does not exist"
        for name in sorted(given.get("executors", {}))
        if name not in executors
    ]


def check(
    document: Mapping[str, Any],
    platform: Mapping[str, Any] | None = None,
    *,
    built: bool = False,
) -> list[str]:
    """Raise :class:`LintError` naming the first errors; there are no warnings to return."""
    errors = structure_errors(document, built=built)
    if platform is not None and not errors:
        errors = platform_errors(platform, document)
    if errors:
        shown = "; ".join(errors[:_SHOWN])
        hidden = len(errors) - _SHOWN
        more = f" (and {hidden} more)" if hidden > 0 else ""
        raise LintError(
            f"the compiled PipelineSpec fails the check: {shown}{more}",
            hint="this is likely a bug in axl's KFP compiler; --no-lint writes it anyway",
        )
    return []


def check_size(workflow: str, text: str) -> None:
    """Refuse a pipeline file the KFP API server would refuse to take (over 32 MiB)."""
    size = len(text.encode("utf-8"))
    if size > MAX_UPLOAD_BYTES:
        raise KfpOptionsError(
            f"workflow {workflow!r}: the pipeline file is {size / 2**20:.1f} MiB, over the "
            f"{MAX_UPLOAD_BYTES // 2**20} MiB a KFP server takes in one upload",
            hint="split the workflow, or move large literals out of params and defaults",
        )


def document_warnings(name: str) -> list[str]:
    """What may go wrong on a cluster although KFP takes the pipeline."""
    if len(name) > LONG_NAME:
        return [
            f"pipeline name {name!r} has {len(name)} characters: over {LONG_NAME}, KFP's pod "
            "names can pass Kubernetes' 63 (--name sets a shorter one)"
        ]
    return []
