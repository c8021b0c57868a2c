"""Names: unique where Argo needs them, valid object names, and axl's strict DNS-1123 rule.

Argo itself allows template, task and step names of up to 128 characters
(letters, digits and ``-``) and parameter names with ``_``; it limits a
Workflow's own name to 63 characters. axl's compiler promises more: every name
it emits is a DNS-1123 label that starts with a letter and has at most 63
characters. ``strict_names`` checks that promise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from axl.compiler.lint.findings import Path, Report, format_path
from axl.compiler.lint.model import Call, Document, Template, as_map, named, text

MAX_LABEL = 63
_STRICT = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_STRICT_PREFIX = re.compile(r"^[a-z][-a-z0-9]*$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_MAX_SUBDOMAIN = 253

NameGroup = tuple[str, list[tuple[Path, str]]]
"""What the names name (``template``...) and each (path of the name, name): unique together."""


def _group(what: str, base: Path, items: Any) -> NameGroup:
    return what, [((*base, i, "name"), name) for i, _, name in named(items) if name]


def _io_groups(template: Template) -> Iterator[NameGroup]:
    for side in ("inputs", "outputs"):
        for what in ("parameters", "artifacts"):
            label = f"{side[:-1]} {what[:-1]}"
            yield _group(label, (*template.path, side, what), template.io(side, what))


def _argument_groups(base: Path, arguments: Any, prefix: str) -> Iterator[NameGroup]:
    for what in ("parameters", "artifacts"):
        yield _group(
            f"{prefix} {what[:-1]}", (*base, "arguments", what), as_map(arguments).get(what)
        )


def name_groups(document: Document) -> Iterator[NameGroup]:
    """Every set of names that must be unique, in document order."""
    yield "template", [((*t.path, "name"), t.name) for t in document.templates if t.name]
    yield from _argument_groups(("spec",), document.spec.get("arguments"), "workflow")
    for template in document.templates:
        yield from _io_groups(template)
        if template.index in document.dags:
            tasks = document.dags[template.index].tasks
            yield "task", [((*c.path, "name"), c.name) for c in tasks if c.name]
        steps = [s for group in document.step_groups(template) for s in group]
        if steps:
            yield "step", [((*c.path, "name"), c.name) for c in steps if c.name]
    for call in document.calls:
        yield from _argument_groups(call.path, call.arguments, "argument")


def check_unique(document: Document, report: Report) -> None:
    """Report each name used twice where it must be unique."""
    for what, items in name_groups(document):
        first: dict[str, Path] = {}
        for path, name in items:
            if name in first:
                where = format_path(first[name][:-1])
                report.add(
                    path, "duplicate-name", f"{what} name {name!r} is already used ({where})"
                )
            else:
                first[name] = path


def check_unnamed(document: Document, report: Report) -> None:
    """Templates and steps without a name (the schemas do not require one; Argo does)."""
    steps = [s for t in document.templates for group in document.step_groups(t) for s in group]
    items: list[Template | Call] = [*document.templates, *steps]
    for item in items:
        if item.name is None:
            report.add((*item.path, "name"), "missing-field", "required field 'name' is missing")


def check_object_name(document: Document, report: Report) -> None:
    """``metadata.name``: a DNS-1123 subdomain, at most 63 characters (Argo uses it in labels)."""
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
    if len(name) > _MAX_SUBDOMAIN or not _SUBDOMAIN.match(name):
        report.add(
            path,
            "invalid-name",
            f"{name!r} is not a valid Kubernetes name: use lower-case letters, digits, "
            "'-' and '.', starting and ending with a letter or digit",
        )
    elif len(name) > MAX_LABEL:
        report.add(
            path,
            "invalid-name",
            f"{name!r} is {len(name)} characters long; Argo allows at most {MAX_LABEL} "
            f"(it becomes a label value)",
        )


def check_strict(document: Document, report: Report) -> None:
    """Every name is a DNS-1123 label that starts with a letter, at most 63 characters."""
    metadata = as_map(document.doc.get("metadata"))
    name, prefix = metadata.get("name"), metadata.get("generateName")
    if isinstance(name, str):
        _strict_name(("metadata", "name"), name, "metadata", report)
    if isinstance(prefix, str) and not _STRICT_PREFIX.match(prefix):
        report.add(
            ("metadata", "generateName"),
            "strict-name",
            f"{prefix!r} must start with a lower-case letter and hold only lower-case "
            "letters, digits and '-'",
        )
    for what, items in name_groups(document):
        for path, value in items:
            _strict_name(path, value, what, report)


def _strict_name(path: Path, name: str, what: str, report: Report) -> None:
    if len(name) > MAX_LABEL:
        report.add(
            path,
            "strict-name",
            f"{what} name {name!r} is {len(name)} characters long; at most {MAX_LABEL} allowed",
        )
    elif not _STRICT.match(name):
        report.add(
            path,
            "strict-name",
            f"{what} name {name!r} is not a DNS-1123 label starting with a letter "
            "(lower-case letters, digits and '-')",
        )
