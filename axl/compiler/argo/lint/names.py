"""Names: unique where Argo needs them, valid object names, and axl's strict DNS-1123 rule.

Argo itself allows template, task and step names of up to 128 characters
(letters, digits and ``-``) and parameter names with ``_``; it limits a
Workflow's own name to 63 characters. axl's compiler promises more: every name
it emits is a DNS-1123 label that starts with a letter and has at most 63
characters. ``strict_names`` checks that promise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from axl.compiler.argo.lint.findings import Path, Report, format_path
from axl.compiler.argo.lint.model import Call, Document, Template, as_map, is_templated, text
from axl.dataclass_fast import dataclass
from axl.naming import DNS_SUBDOMAIN, MAX_NAME, MAX_SUBDOMAIN, NAME, NAME_PREFIX

MAX_CRON_NAME = 52
"""A CronWorkflow's name: Argo appends ``-<10-digit time>`` to name each run (63 in all)."""


@dataclass(frozen=True)
class NameGroup:
    """Names that must be unique together: what they name (``template``...) and where they are.

    Each item is (where below ``base``, name); the name's path is
    ``(*base, *where, "name")``, built only for a name that is reported.
    """

    what: str
    base: Path
    items: list[tuple[Path, str]]

    def path(self, where: Path) -> Path:
        """The path of the name at ``where``."""
        return (*self.base, *where, "name")


def _group(what: str, base: Path, items: Any) -> NameGroup:
    found: list[tuple[Path, str]] = []
    if type(items) is list:
        for i, item in enumerate(items):
            if type(item) is dict or isinstance(item, Mapping):
                name = item.get("name")
                if type(name) is str and name and "{{" not in name:
                    found.append(((i,), name))
    return NameGroup(what, base, found)


def _literals(calls: list[Call]) -> list[tuple[Path, str]]:
    """(path, name) of each call whose name is literal (not filled in by Argo at run time)."""
    return [(c.path, c.name) for c in calls if c.name is not None and not is_templated(c.name)]


def _io_groups(template: Template) -> Iterator[NameGroup]:
    for side in ("inputs", "outputs"):
        for what in ("parameters", "artifacts"):
            items = template.io(side, what)
            if items:  # most templates have few of the four: build nothing for the rest
                label = f"{side[:-1]} {what[:-1]}"
                yield _group(label, (*template.path, side, what), items)


def _argument_groups(base: Path, arguments: Any, prefix: str) -> Iterator[NameGroup]:
    given = as_map(arguments)
    for what in ("parameters", "artifacts"):
        items = given.get(what)
        if items:
            yield _group(f"{prefix} {what[:-1]}", (*base, "arguments", what), items)


def name_groups(document: Document) -> Iterator[NameGroup]:
    """Every set of names that must be unique, in document order."""
    yield _group("template", ("spec", "templates"), document.spec.get("templates"))
    yield from _argument_groups(("spec",), document.spec.get("arguments"), "workflow")
    for template in document.templates:
        yield from _io_groups(template)
        if template.index in document.dags:
            tasks = document.dags[template.index].tasks
            yield NameGroup("task", (), _literals(tasks))
        steps = [s for group in document.step_groups(template) for s in group]
        if steps:
            yield NameGroup("step", (), _literals(steps))
    for call in document.calls:
        yield from _argument_groups(call.path, call.arguments, "argument")


def check_unique(
    document: Document, report: Report, groups: Iterable[NameGroup] | None = None
) -> None:
    """Report each name used twice where it must be unique.

    ``groups`` are the document's :func:`name_groups`, when the caller has them.
    """
    for group in name_groups(document) if groups is None else groups:
        if len(group.items) < 2:
            continue
        first: dict[str, Path] = {}
        for where, name in group.items:
            if name in first:
                shown = format_path(group.path(first[name])[:-1])
                report.add(
                    group.path(where),
                    "duplicate-name",
                    f"{group.what} name {name!r} is already used ({shown})",
                )
            else:
                first[name] = where


def check_unnamed(document: Document, report: Report) -> None:
    """Templates and steps without a name (the schemas do not require one; Argo does)."""
    steps = [s for t in document.templates for group in document.step_groups(t) for s in group]
    items: list[Template | Call] = [*document.templates, *steps]
    for item in items:
        if item.name is None:
            report.add((*item.path, "name"), "missing-field", "required field 'name' is missing")


def check_object_name(document: Document, report: Report) -> None:
    """``metadata.name``: a DNS-1123 subdomain, at most 63 characters (Argo uses it in labels);
    at most 52 for a CronWorkflow."""
    metadata = as_map(document.doc.get("metadata"))
    name = metadata.get("name")
    if name is None:
        if text(metadata.get("generateName")) is None:
            report.add(
                ("metadata",),
                "missing-field",
                "metadata needs a name (or a generateName for a Workflow)",
            )
        return
    if not isinstance(name, str):
        return  # the schema check reports the type
    path = ("metadata", "name")
    if len(name) > MAX_SUBDOMAIN or not DNS_SUBDOMAIN.match(name):
        report.add(
            path,
            "invalid-name",
            f"{name!r} is not a valid Kubernetes name: use lower-case letters, digits, "
            "'-' and '.', starting and ending with a letter or digit",
        )
    elif document.kind == "CronWorkflow" and len(name) > MAX_CRON_NAME:
        report.add(
            path,
            "invalid-name",
            f"{name!r} is {len(name)} characters long; Argo allows a CronWorkflow at most "
            f"{MAX_CRON_NAME} (it adds an 11-character suffix to name each Workflow it starts)",
        )
    elif len(name) > MAX_NAME:
        report.add(
            path,
            "invalid-name",
            f"{name!r} is {len(name)} characters long; Argo allows at most {MAX_NAME} "
            f"(it becomes a label value)",
        )


def check_strict(
    document: Document, report: Report, groups: Iterable[NameGroup] | None = None
) -> None:
    """Every name is a DNS-1123 label that starts with a letter, at most 63 characters.

    ``groups`` are the document's :func:`name_groups`, when the caller has them.
    """
    metadata = as_map(document.doc.get("metadata"))
    name, prefix = metadata.get("name"), metadata.get("generateName")
    if isinstance(name, str):
        _strict_name(("metadata", "name"), name, "metadata", report)
    if isinstance(prefix, str) and not NAME_PREFIX.match(prefix):
        report.add(
            ("metadata", "generateName"),
            "strict-name",
            f"{prefix!r} must start with a lower-case letter and hold only lower-case "
            "letters, digits and '-'",
        )
    match = NAME.match
    for group in name_groups(document) if groups is None else groups:
        for where, value in group.items:
            if len(value) > MAX_NAME or not match(value):
                _strict_name(group.path(where), value, group.what, report)


def _strict_name(path: Path, name: str, what: str, report: Report) -> None:
    if len(name) > MAX_NAME:
        report.add(
            path,
            "strict-name",
            f"{what} name {name!r} is {len(name)} characters long; at most {MAX_NAME} allowed",
        )
    elif not NAME.match(name):
        report.add(
            path,
            "strict-name",
            f"{what} name {name!r} is not a DNS-1123 label starting with a letter "
            "(lower-case letters, digits and '-')",
        )
