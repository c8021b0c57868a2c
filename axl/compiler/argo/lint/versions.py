"""Fields one shipped Argo release knows and another does not, named in the findings.

An ``unknown-field`` error at one release is checked against the schemas of
the other releases axl ships: if one of them accepts the field, the message
says so (``synchronization.mutex``: Argo 3.7 accepts it, 4.1 removed it), so
a user can tell a typo from a field of another Argo version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from axl.compiler.argo.lint.findings import Report
from axl.compiler.argo.lint.schema_check import check_schema
from axl.compiler.argo.lint.schemas import default_schema_dir
from axl.compiler.argo.versions import ARGO_VERSIONS

UNKNOWN_FIELD = "unknown-field"


def note_removed_fields(
    doc: Mapping[str, Any], kind: str, argo_version: str, report: Report
) -> None:
    """Add to each unknown-field error in ``report`` the shipped releases that accept the field."""
    unknown = {f.path for f in report.items if f.rule == UNKNOWN_FIELD}
    if not unknown:
        return
    accepted_by: dict[str, list[str]] = {path: [] for path in unknown}
    for other in ARGO_VERSIONS:
        if other == argo_version:
            continue
        found = Report()
        check_schema(doc, kind, default_schema_dir(other), found)
        still = {f.path for f in found.items if f.rule == UNKNOWN_FIELD}
        for path in unknown - still:
            accepted_by[path].append(other)
    for index, finding in enumerate(report.items):
        others = accepted_by.get(finding.path) if finding.rule == UNKNOWN_FIELD else None
        if others:
            report.items[index] = replace(
                finding, message=finding.message + _note(argo_version, others)
            )


def _note(argo_version: str, others: list[str]) -> str:
    shown = " and ".join(f"Argo {v}" for v in others)
    newer = all(ARGO_VERSIONS.index(v) > ARGO_VERSIONS.index(argo_version) for v in others)
    if newer:
        return f" (new in {shown}; Argo {argo_version} does not have it)"
    return f" ({shown} accepts it; Argo {argo_version} removed it)"
