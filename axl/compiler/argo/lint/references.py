"""``{{...}}`` references: each one Argo resolves while validating must resolve here too.

Checked forms: ``inputs.parameters.X`` and ``inputs.artifacts.X[.path]`` (declared
by the template they appear in), ``workflow.parameters.X`` (declared in
``spec.arguments.parameters``), ``tasks.X...`` (X a task of the same DAG that
the current task depends on, directly or not, and ``outputs.parameters.Y`` /
``outputs.artifacts.Y`` declared by X's template) and ``steps.X...`` (X a step
of an earlier group). Anything else (``workflow.name``, ``pod.name``,
``item``, ``retries``, expressions ``{{=...}}``) is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from axl.compiler.argo.lint.findings import Path, Report, Severity, did_you_mean
from axl.compiler.argo.lint.model import Call, Dag, Document, Template, as_map, names_of
from axl.dataclass_fast import dataclass

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_OUTPUTS = (("outputs.parameters.", "parameters"), ("outputs.artifacts.", "artifacts"))

Problem = tuple[str, str, Severity]
"""(rule, message, severity)."""


@dataclass(frozen=True)
class Scope:
    """What the references in one part of a document may point to."""

    document: Document
    template: Template | None = None
    """The template whose ``inputs.*`` are in scope (None: not checked)."""
    extra_inputs: frozenset[str] = frozenset()
    """Inputs of an ``inline`` template, visible inside the task that declares it."""
    dag: Dag | None = None
    call: Call | None = None
    """The task or step being checked; None: all of them are visible (template outputs)."""
    own_outputs: bool = False
    """Whether the call may use its own outputs (in its lifecycle hooks)."""
    steps: Mapping[str, tuple[int, Call]] | None = None
    group: int | None = None
    """The step group being checked; None: every step is visible."""

    @property
    def in_leaf(self) -> bool:
        kind = self.template.kind if self.template else None
        return kind is not None and kind not in ("dag", "steps")


def _strings(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    kind = type(value)
    if kind is str:
        if "{{" in value:
            yield path, value
    elif kind is dict or isinstance(value, Mapping):
        for key, item in value.items():
            if type(item) is not str or "{{" in item:
                yield from _strings(item, (*path, key))
    elif kind is list:
        for index, item in enumerate(value):
            if type(item) is not str or "{{" in item:
                yield from _strings(item, (*path, index))
    elif isinstance(value, str) and "{{" in value:
        yield path, value


def _scan(value: Any, path: Path, scope: Scope, report: Report) -> None:
    for where, string in _strings(value, path):
        for match in _TAG.finditer(string):
            tag = match.group(1).strip()
            problem = _check_tag(tag, scope) if tag and tag[0] != "=" else None
            if problem is not None:
                report.add(where, problem[0], problem[1], problem[2])


def _show(tag: str) -> str:
    return "{{" + tag + "}}"


def _check_tag(tag: str, scope: Scope) -> Problem | None:
    head, _, rest = tag.partition(".")
    if head == "inputs":
        return _check_inputs(tag, rest, scope)
    if head == "workflow" and rest.startswith("parameters."):
        return _check_workflow_parameter(tag, rest[len("parameters.") :], scope)
    if head == "tasks" and not tag.startswith("tasks.name"):
        return _check_task(tag, rest, scope)
    if head == "steps" and not tag.startswith("steps.name"):
        return _check_step(tag, rest, scope)
    return None


def _check_inputs(tag: str, rest: str, scope: Scope) -> Problem | None:
    template = scope.template
    if template is None:
        return None
    for prefix, what in (("parameters.", "parameters"), ("artifacts.", "artifacts")):
        if not rest.startswith(prefix):
            continue
        name = rest[len(prefix) :]
        declared = names_of(template.io("inputs", what)) | scope.extra_inputs
        if name in declared:
            return None
        if what == "artifacts" and name.endswith(".path"):
            name = name[: -len(".path")]
            if name in declared:
                return None
        return (
            "unresolved-reference",
            f"{_show(tag)} does not resolve: {template.label} declares no input "
            f"{what[:-1]} {name!r}" + did_you_mean(name, declared),
            "error",
        )
    return None


def _check_workflow_parameter(tag: str, name: str, scope: Scope) -> Problem | None:
    document = scope.document
    declared = document.workflow_parameters
    if name in declared or name == "json" or document.refers_to_template:
        return None
    if document.is_template_kind:
        return (
            "unresolved-reference",
            f"{_show(tag)}: spec.arguments.parameters declares no {name!r}, so every "
            "Workflow that runs this template must pass it",
            "warning",
        )
    return (
        "unresolved-reference",
        f"{_show(tag)} does not resolve: spec.arguments.parameters declares no {name!r}"
        + did_you_mean(name, declared),
        "error",
    )


def _not_here(tag: str, scope: Scope, what: str) -> Problem | None:
    if scope.in_leaf and scope.template is not None:
        return (
            "unresolved-reference",
            f"{_show(tag)} does not resolve in {scope.template.label}: a {scope.template.kind} "
            f"template sees no {what}; pass the value in as an input",
            "error",
        )
    if scope.template is not None and scope.template.kind in ("dag", "steps"):
        return (
            "unresolved-reference",
            f"{_show(tag)} does not resolve: {scope.template.label} is a "
            f"{scope.template.kind} template and has no {what}",
            "error",
        )
    return None


def _check_task(tag: str, rest: str, scope: Scope) -> Problem | None:
    dag = scope.dag
    if dag is None:
        return _not_here(tag, scope, "tasks")
    name, _, remainder = rest.partition(".")
    target = dag.by_name.get(name)
    if target is None:
        return (
            "unresolved-reference",
            f"{_show(tag)} does not resolve: {dag.template.label} has no task {name!r}"
            + did_you_mean(name, dag.by_name),
            "error",
        )
    current = scope.call
    if current is not None and current.name is not None:
        if name == current.name and not scope.own_outputs:
            return (
                "unresolved-reference",
                f"{_show(tag)}: {current.label} cannot use its own outputs",
                "error",
            )
        if name != current.name and not dag.is_ancestor(name, current.name):
            return (
                "missing-dependency",
                f"{current.label} uses {_show(tag)} but does not depend on task {name!r}: "
                "add it to depends (or dependencies)",
                "error",
            )
    return _check_output(tag, remainder, target, scope.document)


def _check_step(tag: str, rest: str, scope: Scope) -> Problem | None:
    steps = scope.steps
    if steps is None:
        return _not_here(tag, scope, "steps")
    name, _, remainder = rest.partition(".")
    if name not in steps:
        return (
            "unresolved-reference",
            f"{_show(tag)} does not resolve: no step {name!r} in this template"
            + did_you_mean(name, steps),
            "error",
        )
    group, target = steps[name]
    own = scope.own_outputs and scope.call is not None and scope.call.name == name
    if scope.group is not None and group >= scope.group and remainder != "status" and not own:
        return (
            "unresolved-reference",
            f"{_show(tag)} does not resolve: step {name!r} runs in group {group}, not "
            f"before this step (group {scope.group})",
            "error",
        )
    return _check_output(tag, remainder, target, scope.document)


def _check_output(tag: str, remainder: str, call: Call, document: Document) -> Problem | None:
    for prefix, what in _OUTPUTS:
        if not remainder.startswith(prefix):
            continue
        name = remainder[len(prefix) :]
        inline = call.body.get("inline")
        if isinstance(inline, Mapping):
            declared, owner = (
                names_of(as_map(inline.get("outputs")).get(what)),
                "its inline template",
            )
        elif call.template in document.by_name:
            template = document.by_name[call.template]
            declared, owner = names_of(template.io("outputs", what)), template.label
        else:
            return None  # templateRef: defined elsewhere
        if name not in declared:
            return (
                "unresolved-reference",
                f"{_show(tag)} does not resolve: {call.label} runs {owner}, which declares "
                f"no output {what[:-1]} {name!r}" + did_you_mean(name, declared),
                "error",
            )
    return None


def check_references(document: Document, report: Report) -> None:
    """Report each ``{{...}}`` that does not resolve where it is used."""
    spec_scope = Scope(document)
    for key, value in document.spec.items():
        if key != "templates":
            _scan(value, ("spec", key), spec_scope, report)
    for template in document.templates:
        scope = Scope(document, template)
        if template.index in document.dags:
            _scan_dag(document.dags[template.index], scope, report)
        elif template.body.get("steps") is not None:
            _scan_steps(document, template, scope, report)
        else:
            _scan(template.body, template.path, scope, report)


def _scan_dag(dag: Dag, scope: Scope, report: Report) -> None:
    scope = replace(scope, dag=dag)
    template = dag.template
    for key, value in template.body.items():
        if key != "dag":
            _scan(value, (*template.path, key), scope, report)
    for key, value in as_map(template.body.get("dag")).items():
        if key != "tasks":
            _scan(value, (*template.path, "dag", key), scope, report)
    for task in dag.tasks:
        _scan_call(task, replace(scope, call=task), report)


def _scan_steps(document: Document, template: Template, scope: Scope, report: Report) -> None:
    groups = document.step_groups(template)
    steps: dict[str, tuple[int, Call]] = {}
    for g, group in enumerate(groups):
        for step in group:
            if step.name:
                steps.setdefault(step.name, (g, step))
    scope = replace(scope, steps=steps)
    for key, value in template.body.items():
        if key != "steps":
            _scan(value, (*template.path, key), scope, report)
    for g, group in enumerate(groups):
        for step in group:
            _scan_call(step, replace(scope, call=step, group=g), report)


def _scan_call(call: Call, scope: Scope, report: Report) -> None:
    inline = as_map(call.body.get("inline"))
    if inline:
        inputs = as_map(inline.get("inputs"))
        extra = names_of(inputs.get("parameters")) | names_of(inputs.get("artifacts"))
        scope = replace(scope, extra_inputs=extra)
    for key, value in call.body.items():
        inner = replace(scope, own_outputs=True) if key == "hooks" else scope
        _scan(value, (*call.path, key), inner, report)
