"""Inputs and outputs: required inputs supplied, argument values, artifact paths, output sources."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axl.compiler.argo.lint.findings import Path, Report
from axl.compiler.argo.lint.model import (
    POD_TYPES,
    Document,
    Template,
    as_map,
    has_location,
    named,
)

_PARAMETER_SOURCES = ("path", "jqFilter", "jsonPath", "parameter", "expression", "supplied")
_SOURCE_BY_TYPE = {
    **dict.fromkeys(POD_TYPES, ("path",)),
    "resource": ("jqFilter", "jsonPath"),
    "dag": ("parameter", "expression"),
    "steps": ("parameter", "expression"),
}


def check_required_inputs(document: Document, report: Report) -> None:
    """Every call passes each input its template requires; so does a Workflow to its entrypoint."""
    for call in document.all_calls:
        template = document.by_name.get(call.template or "")
        if template is not None:
            _check_supplied(call.path, call.label, call.arguments, template, report)
    if document.kind != "Workflow" or document.refers_to_template:
        return
    arguments = as_map(document.spec.get("arguments"))
    for key, who in (("entrypoint", "the entrypoint"), ("onExit", "the onExit handler")):
        template = document.by_name.get(str(document.spec.get(key) or ""))
        if template is not None:
            _check_supplied(
                ("spec", "arguments"), f"spec.arguments ({who})", arguments, template, report
            )


def _check_supplied(
    path: Path, who: str, arguments: Mapping[str, Any], template: Template, report: Report
) -> None:
    given = {
        what: {n for _, _, n in named(arguments.get(what)) if n}
        for what in ("parameters", "artifacts")
    }
    for _, parameter, name in named(template.io("inputs", "parameters")):
        if name is None or name in given["parameters"]:
            continue
        if not any(parameter.get(key) is not None for key in ("value", "default", "valueFrom")):
            report.add(
                path,
                "missing-input",
                f"{who} does not pass input parameter {name!r}, which {template.label} "
                "requires (it has no value or default)",
            )
    for _, artifact, name in named(template.io("inputs", "artifacts")):
        if name is None or name in given["artifacts"]:
            continue
        if artifact.get("optional") is not True and not has_location(artifact):
            report.add(
                path,
                "missing-input",
                f"{who} does not pass input artifact {name!r}, which {template.label} "
                "requires (it is not optional and has no location)",
            )


def check_argument_values(document: Document, report: Report) -> None:
    """Arguments of tasks and steps have values; workflow parameters respect their enum."""
    for call in document.calls:
        base = (*call.path, "arguments")
        for i, parameter, name in named(call.arguments.get("parameters")):
            if parameter.get("value") is None and parameter.get("valueFrom") is None:
                report.add(
                    (*base, "parameters", i),
                    "missing-value",
                    f"{call.label} passes parameter {name!r} without a value",
                )
        for i, artifact, name in named(call.arguments.get("artifacts")):
            if not (
                artifact.get("from") or artifact.get("fromExpression") or has_location(artifact)
            ):
                report.add(
                    (*base, "artifacts", i),
                    "missing-value",
                    f"{call.label} passes artifact {name!r} without from, fromExpression "
                    "or a location",
                )
    parameters = as_map(document.spec.get("arguments")).get("parameters")
    for i, parameter, name in named(parameters):
        enum, value = parameter.get("enum"), parameter.get("value")
        if (
            isinstance(enum, list)
            and enum
            and value is not None
            and str(value) not in map(str, enum)
        ):
            report.add(
                ("spec", "arguments", "parameters", i, "value"),
                "invalid-value",
                f"workflow parameter {name!r} is {value!r}, not one of its enum: "
                + ", ".join(map(str, enum)),
            )


def check_template_io(document: Document, report: Report) -> None:
    """Artifact paths where a container needs them, and one source for each output parameter."""
    for template in document.templates:
        kind = template.kind
        if kind is None:
            continue
        in_pod = kind in POD_TYPES
        for side in ("inputs", "outputs"):
            for i, artifact, name in named(template.io(side, "artifacts")):
                path = (*template.path, side, "artifacts", i)
                has_path = bool(artifact.get("path"))
                if in_pod and not has_path:
                    report.add(
                        path,
                        "artifact-path",
                        f"{side[:-1]} artifact {name!r} of {template.label} needs a path "
                        "(where the container reads or writes it)",
                    )
                elif kind in ("dag", "steps") and has_path:
                    report.add(
                        (*path, "path"),
                        "artifact-path",
                        f"{side[:-1]} artifact {name!r}: a path is only valid in "
                        f"container and script templates, not in {kind} templates",
                    )
                elif (
                    side == "outputs"
                    and kind in ("dag", "steps")
                    and not (artifact.get("from") or artifact.get("fromExpression"))
                ):
                    report.add(
                        path,
                        "artifact-path",
                        f"output artifact {name!r} of {template.label} needs from or "
                        "fromExpression (which task's artifact it is)",
                    )
        for i, parameter, name in named(template.io("outputs", "parameters")):
            message = _output_parameter_problem(parameter, kind)
            if message:
                report.add(
                    (*template.path, "outputs", "parameters", i),
                    "output-parameter",
                    f"output parameter {name!r} of {template.label}: {message}",
                )


def _output_parameter_problem(parameter: Mapping[str, Any], kind: str) -> str | None:
    value_from = parameter.get("valueFrom")
    if value_from is None:
        return None if parameter.get("value") is not None else "set value or valueFrom"
    if parameter.get("value") is not None:
        return "set value or valueFrom, not both"
    sources = [key for key in _PARAMETER_SOURCES if as_map(value_from).get(key) not in (None, "")]
    if not sources:
        return "valueFrom names no source"
    if len(sources) > 1:
        return f"valueFrom names {len(sources)} sources ({', '.join(sources)}); keep one"
    wanted = _SOURCE_BY_TYPE.get(kind)
    if wanted and sources[0] not in wanted:
        return f"a {kind} template takes valueFrom.{' or valueFrom.'.join(wanted)}"
    return None
