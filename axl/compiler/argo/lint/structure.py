"""Rules on how templates fit together: entrypoint, template types and references, volumes.

Also the CRD's CEL rules that a JSON-schema validator cannot evaluate (one
artifact location, ``withSequence`` count or end, one of ``manifest`` and
``manifestFrom``, ``timeout`` and ``activeDeadlineSeconds`` on leaf templates
only, real-time gauges).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from axl.compiler.argo.lint.findings import Path, Report, did_you_mean
from axl.compiler.argo.lint.model import (
    ARTIFACT_LOCATIONS,
    LOOPS,
    POD_TYPES,
    TEMPLATE_TYPES,
    Call,
    Document,
    as_list,
    as_map,
    is_templated,
    named,
    text,
)

_LEAF_ONLY = ("timeout", "activeDeadlineSeconds")


def check_entrypoint(document: Document, report: Report) -> None:
    """A Workflow names its first template; any entrypoint must be a template of the document."""
    if document.refers_to_template:
        return
    entrypoint = document.spec.get("entrypoint")
    path = ("spec", "entrypoint")
    if entrypoint is None or entrypoint == "":
        if not document.is_template_kind:
            report.add(path, "entrypoint", "a Workflow needs spec.entrypoint: the template to run")
        return
    if isinstance(entrypoint, str) and entrypoint not in document.by_name:
        report.add(
            path,
            "entrypoint",
            f"entrypoint {entrypoint!r} is not a template of this {document.kind}"
            + did_you_mean(entrypoint, document.by_name),
        )


def check_template_types(document: Document, report: Report) -> None:
    """Each template has exactly one type (container, script, dag, steps...)."""
    for template in document.templates:
        types = template.types
        if not types:
            report.add(
                template.path,
                "template-type",
                f"{template.label} has no type: give it one of {', '.join(TEMPLATE_TYPES)}",
            )
        elif len(types) > 1:
            report.add(
                template.path,
                "template-type",
                f"{template.label} has {len(types)} types ({', '.join(types)}); keep one",
            )
        for key in _LEAF_ONLY:
            if template.body.get(key) not in (None, "") and template.kind in ("dag", "steps"):
                report.add(
                    (*template.path, key),
                    "leaf-only",
                    f"{key} applies to leaf templates only, not to {template.kind} templates; "
                    "set it on the templates the tasks run",
                )


def _template_uses(document: Document) -> Iterator[tuple[Path, str, Any]]:
    """(path, who, template name) of each place that names a template directly."""
    spec = document.spec
    yield ("spec", "onExit"), "spec.onExit", spec.get("onExit")
    for call in document.all_calls:
        yield (*call.path, "template"), call.label, call.body.get("template")
        if call.what != "hook":
            yield (*call.path, "onExit"), f"{call.label} onExit", call.body.get("onExit")


def check_template_refs(document: Document, report: Report) -> None:
    """Every task, step, hook and onExit runs a template that exists (``templateRef`` aside)."""
    for call in document.all_calls:
        _check_call_target(call, report)
    if document.refers_to_template:
        return  # the referenced WorkflowTemplate may define them
    for path, who, name in _template_uses(document):
        if isinstance(name, str) and name and name not in document.by_name:
            report.add(
                path,
                "template-ref",
                f"{who} runs template {name!r}, which is not defined"
                + did_you_mean(name, document.by_name),
            )


def _check_call_target(call: Call, report: Report) -> None:
    given = [key for key in ("template", "templateRef", "inline") if call.body.get(key)]
    if not given:
        choices = (
            "template or templateRef" if call.what == "hook" else "template, templateRef or inline"
        )
        report.add(call.path, "template-ref", f"{call.label} runs no template: set {choices}")
    elif len(given) > 1:
        report.add(call.path, "template-ref", f"{call.label} sets {' and '.join(given)}; keep one")
    ref = call.body.get("templateRef")
    if isinstance(ref, Mapping):
        for key in ("name", "template"):
            if not text(ref.get(key)):
                report.add(
                    (*call.path, "templateRef", key),
                    "template-ref",
                    f"{call.label}: templateRef needs a {key}",
                )


def check_volume_mounts(document: Document, report: Report) -> None:
    """Containers mount only volumes the workflow or the template declares."""
    if document.refers_to_template:
        return
    spec = document.spec
    shared = {name for _, _, name in named(spec.get("volumes")) if name}
    for claim in as_list(spec.get("volumeClaimTemplates")):
        shared.update(n for n in [text(as_map(as_map(claim).get("metadata")).get("name"))] if n)
    shared.update(n for _, _, n in named(as_map(spec.get("templateDefaults")).get("volumes")) if n)
    for template in document.templates:
        if template.kind not in POD_TYPES:
            continue
        declared = shared | {name for _, _, name in named(template.body.get("volumes")) if name}
        for path, mount in _mounts(template.path, template.body):
            name = text(mount.get("name"))
            if name and name not in declared and not is_templated(name):
                report.add(
                    (*path, "name"),
                    "volume-mount",
                    f"volume {name!r} is mounted but not declared in spec.volumes, "
                    f"spec.volumeClaimTemplates or the {template.label}'s volumes"
                    + did_you_mean(name, declared),
                )


def _mounts(base: Path, body: Mapping[str, Any]) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    containers: list[tuple[Path, Any]] = [
        ((*base, key), body.get(key)) for key in ("container", "script")
    ]
    for i, item in enumerate(as_list(as_map(body.get("containerSet")).get("containers"))):
        containers.append(((*base, "containerSet", "containers", i), item))
    for path, container in containers:
        for i, mount in enumerate(as_list(as_map(container).get("volumeMounts"))):
            if isinstance(mount, Mapping):
                yield (*path, "volumeMounts", i), mount


def _artifacts(document: Document) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """Every artifact (and archive location) of the document, with its path."""

    def listed(base: Path, items: Any) -> Iterator[tuple[Path, Mapping[str, Any]]]:
        for i, artifact, _ in named(items):
            yield (*base, i), artifact

    yield from listed(
        ("spec", "arguments", "artifacts"), as_map(document.spec.get("arguments")).get("artifacts")
    )
    for template in document.templates:
        for side in ("inputs", "outputs"):
            yield from listed((*template.path, side, "artifacts"), template.io(side, "artifacts"))
        location = template.body.get("archiveLocation")
        if isinstance(location, Mapping):
            yield (*template.path, "archiveLocation"), location
    for call in document.calls:
        yield from listed((*call.path, "arguments", "artifacts"), call.arguments.get("artifacts"))


def check_crd_rules(document: Document, report: Report) -> None:
    """One artifact location, one loop, count or end, manifest or manifestFrom (CEL rules)."""
    for path, artifact in _artifacts(document):
        locations = [key for key in (*ARTIFACT_LOCATIONS, "plugin") if key in artifact]
        if len(locations) > 1:
            report.add(
                path,
                "artifact-location",
                f"artifact sets {len(locations)} locations ({', '.join(locations)}); keep one",
            )
    for call in document.calls:
        loops = [key for key in LOOPS if call.body.get(key) not in (None, "")]
        if len(loops) > 1:
            report.add(
                call.path,
                "with-items",
                f"{call.label} sets {' and '.join(loops)}; Argo allows only one of them",
            )
        sequence = as_map(call.body.get("withSequence"))
        if "count" in sequence and "end" in sequence:
            report.add(
                (*call.path, "withSequence"),
                "with-sequence",
                f"{call.label}: withSequence sets both count and end; keep one",
            )
    for template in document.templates:
        resource = as_map(template.body.get("resource"))
        if "manifest" in resource and "manifestFrom" in resource:
            report.add(
                (*template.path, "resource"),
                "resource-manifest",
                f"{template.label} sets both manifest and manifestFrom; keep one",
            )
    _check_gauges(document, report)


def _check_gauges(document: Document, report: Report) -> None:
    owners: list[tuple[Path, Any]] = [(("spec",), document.spec)]
    owners += [(t.path, t.body) for t in document.templates]
    for base, owner in owners:
        metrics = as_list(as_map(as_map(owner).get("metrics")).get("prometheus"))
        for i, metric in enumerate(metrics):
            gauge = as_map(as_map(metric).get("gauge"))
            value = gauge.get("value")
            if (
                gauge.get("realtime") is True
                and isinstance(value, str)
                and "resourcesDuration." in value
            ):
                report.add(
                    (*base, "metrics", "prometheus", i, "gauge"),
                    "realtime-gauge",
                    "a real-time gauge cannot use resourcesDuration.* metrics",
                )
