"""A read-only view of an Argo document for the semantic rules.

The rules run after the schema check but must not trust it: every accessor
here tolerates a wrong type (a list where a mapping belongs...) by treating it
as absent, so a malformed document yields findings, never an exception.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Any

from axl.compiler.argo.lint.depends import DependsError, Reference, parse_depends
from axl.compiler.argo.lint.findings import Path
from axl.dataclass_fast import dataclass

TEMPLATE_TYPES = (
    "container",
    "containerSet",
    "script",
    "resource",
    "dag",
    "steps",
    "suspend",
    "data",
    "http",
    "plugin",
)
POD_TYPES = frozenset({"container", "containerSet", "script"})
"""Template types whose artifacts live at a ``path`` in a container."""
ARTIFACT_LOCATIONS = ("s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure")
LOOPS = ("withItems", "withParam", "withSequence")
"""The fields that run a task or step once per item."""
TEMPLATE_KINDS = frozenset({"WorkflowTemplate", "ClusterWorkflowTemplate"})
_EMPTY: Mapping[str, Any] = {}


def as_map(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    if type(value) is dict or isinstance(value, Mapping):  # the exact check is the fast one
        return value
    return _EMPTY


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def text(value: Any) -> str | None:
    """``value`` if it is a non-empty string."""
    return value if isinstance(value, str) and value else None


def named(items: Any) -> Iterator[tuple[int, Mapping[str, Any], str | None]]:
    """(index, item, name) of each mapping in a list of named items."""
    for index, item in enumerate(as_list(items)):
        if type(item) is dict or isinstance(item, Mapping):
            yield index, item, text(item.get("name"))


def is_templated(value: Any) -> bool:
    """Whether ``value`` is text with a ``{{...}}`` tag, which Argo fills in at run time.

    Such a name (``{{inputs.parameters.vol}}``) is not checked as a literal name.
    """
    return isinstance(value, str) and "{{" in value


def names_of(items: Any) -> frozenset[str]:
    """The names in a list of named items."""
    return frozenset(name for _, _, name in named(items) if name)


def has_location(artifact: Mapping[str, Any]) -> bool:
    """Whether an artifact says where its data is (s3, git, raw...)."""
    return any(key in artifact for key in (*ARTIFACT_LOCATIONS, "plugin"))


@dataclass(frozen=True)
class Template:
    """One entry of ``spec.templates``."""

    index: int
    body: Mapping[str, Any]

    @property
    def path(self) -> Path:
        return ("spec", "templates", self.index)

    @property
    def name(self) -> str | None:
        return text(self.body.get("name"))

    @property
    def label(self) -> str:
        """How messages name it."""
        return f"template {self.name!r}" if self.name else f"template #{self.index}"

    @property
    def types(self) -> list[str]:
        return [t for t in TEMPLATE_TYPES if self.body.get(t) is not None]

    @property
    def kind(self) -> str | None:
        """Its one template type, if it has exactly one."""
        types = self.types
        return types[0] if len(types) == 1 else None

    def io(self, side: str, what: str) -> Any:
        """``inputs``/``outputs`` ``parameters``/``artifacts`` (the raw list)."""
        return as_map(self.body.get(side)).get(what)


@dataclass(frozen=True)
class Call:
    """A DAG task, a step or a lifecycle hook: something that runs a template with arguments."""

    path: Path
    body: Mapping[str, Any]
    what: str
    """``task``, ``step`` or ``hook``."""
    title: str | None = None
    """How messages name it, when its body has no name (hooks)."""

    @property
    def name(self) -> str | None:
        return text(self.body.get("name"))

    @property
    def label(self) -> str:
        if self.title:
            return self.title
        return f"{self.what} {self.name!r}" if self.name else f"this {self.what}"

    @property
    def template(self) -> str | None:
        return text(self.body.get("template"))

    @property
    def arguments(self) -> Mapping[str, Any]:
        return as_map(self.body.get("arguments"))

    def hooks(self) -> Iterator[Call]:
        """The call's lifecycle hooks (``hooks.exit``...)."""
        for key, hook in as_map(self.body.get("hooks")).items():
            if isinstance(hook, Mapping):
                yield Call((*self.path, "hooks", key), hook, "hook", f"{self.label} hook {key!r}")


@dataclass
class Dag:
    """The tasks of one DAG template and what each depends on."""

    template: Template
    tasks: list[Call]
    by_name: dict[str, Call] = field(default_factory=dict)
    depends: dict[str, list[Reference]] = field(default_factory=dict)
    """Parsed ``depends`` (or ``dependencies``) of each named task."""
    errors: dict[str, str] = field(default_factory=dict)
    """Tasks whose ``depends`` does not parse, with the reason."""

    def __post_init__(self) -> None:
        for task in self.tasks:
            if task.name is None:
                continue
            self.by_name.setdefault(task.name, task)
            self.depends[task.name] = self._parse(task)

    def _parse(self, task: Call) -> list[Reference]:
        expression = task.body.get("depends")
        if isinstance(expression, str) and expression.strip():
            try:
                return parse_depends(expression)
            except DependsError as exc:
                self.errors[task.name or ""] = str(exc)
                return []
        return [Reference(dep, None) for dep in as_list(task.body.get("dependencies")) if text(dep)]

    def upstream(self, task: str) -> list[str]:
        """The distinct tasks ``task`` depends on directly (defined ones only)."""
        deps = (ref.task for ref in self.depends.get(task, ()))
        return [d for d in dict.fromkeys(deps) if d in self.by_name]

    def is_ancestor(self, ancestor: str, task: str) -> bool:
        """Whether ``task`` runs only after ``ancestor``, through its dependencies."""
        seen = {task}
        stack = [task]
        while stack:
            for dep in self.upstream(stack.pop()):
                if dep == ancestor:
                    return True
                if dep not in seen:
                    seen.add(dep)
                    stack.append(dep)
        return False


@dataclass
class Document:
    """The parts of a document the semantic rules need, looked up once."""

    doc: Mapping[str, Any]
    kind: str

    @property
    def spec(self) -> Mapping[str, Any]:
        return as_map(self.doc.get("spec"))

    @property
    def path_spec(self) -> Path:
        return ("spec",)

    @functools.cached_property
    def templates(self) -> list[Template]:
        return [
            Template(i, body)
            for i, body in enumerate(as_list(self.spec.get("templates")))
            if isinstance(body, Mapping)
        ]

    @functools.cached_property
    def by_name(self) -> dict[str, Template]:
        found: dict[str, Template] = {}
        for template in self.templates:
            if template.name:
                found.setdefault(template.name, template)
        return found

    @property
    def is_template_kind(self) -> bool:
        """A WorkflowTemplate or ClusterWorkflowTemplate (run by a Workflow that refers to it)."""
        return self.kind in TEMPLATE_KINDS

    @property
    def refers_to_template(self) -> bool:
        """A Workflow whose templates and entrypoint may come from ``workflowTemplateRef``."""
        return self.spec.get("workflowTemplateRef") is not None

    @functools.cached_property
    def workflow_parameters(self) -> frozenset[str]:
        return names_of(as_map(self.spec.get("arguments")).get("parameters"))

    @functools.cached_property
    def dags(self) -> dict[int, Dag]:
        """The DAG of each DAG template, by template index."""
        out = {}
        for template in self.templates:
            dag = as_map(template.body.get("dag"))
            tasks = [
                Call((*template.path, "dag", "tasks", i), task, "task")
                for i, task in enumerate(as_list(dag.get("tasks")))
                if isinstance(task, Mapping)
            ]
            if "dag" in template.body:
                out[template.index] = Dag(template, tasks)
        return out

    @functools.cached_property
    def steps(self) -> dict[int, list[list[Call]]]:
        """The step groups of each steps template, by template index."""
        out = {}
        for template in self.templates:
            if "steps" not in template.body:
                continue
            out[template.index] = [
                [
                    Call((*template.path, "steps", g, i), step, "step")
                    for i, step in enumerate(as_list(group))
                    if isinstance(step, Mapping)
                ]
                for g, group in enumerate(as_list(template.body.get("steps")))
            ]
        return out

    def step_groups(self, template: Template) -> list[list[Call]]:
        """The steps of a steps template, group by group."""
        return self.steps.get(template.index, [])

    @functools.cached_property
    def calls(self) -> list[Call]:
        """Every DAG task and step, each followed by its hooks, in document order."""
        out = []
        for template in self.templates:
            own = self.dags[template.index].tasks if template.index in self.dags else []
            own = own + [s for group in self.step_groups(template) for s in group]
            for call in own:
                out.append(call)
                out.extend(call.hooks())
        return out

    @functools.cached_property
    def all_calls(self) -> list[Call]:
        """:attr:`calls` and the workflow's own hooks (``spec.hooks``)."""
        hooks = [
            Call(("spec", "hooks", key), hook, "hook", f"workflow hook {key!r}")
            for key, hook in as_map(self.spec.get("hooks")).items()
            if isinstance(hook, Mapping)
        ]
        return [*self.calls, *hooks]
