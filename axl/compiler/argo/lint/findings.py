"""What the lint reports: a :class:`Finding` per problem, its path, and its one-line form."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
PathPart = str | int
Path = tuple[PathPart, ...]

_PLAIN_KEY = re.compile(r"^[A-Za-z_][-A-Za-z0-9_]*$")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in a document.

    ``path`` locates it like ``spec.templates[3].dag.tasks[1].dependencies[0]``;
    ``rule`` names the check (``unknown-field``, ``dag-cycle``...); ``severity``
    is ``error`` (Argo or the cluster rejects the document) or ``warning`` (it
    works, but only under conditions the message states).
    """

    path: str
    rule: str
    message: str
    severity: Severity = "error"


def format_path(parts: Iterable[object]) -> str:
    """``("spec", "templates", 3, "name")`` -> ``spec.templates[3].name``.

    Keys that are not plain identifiers are quoted: ``metadata.labels["app.kubernetes.io/name"]``;
    keys that are not strings (only a document built in Python has them) show
    as Python writes them: ``spec[None]``, ``spec[1.5]``.
    """
    out: list[str] = []
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            out.append(f"[{part}]")
        elif not isinstance(part, str):
            out.append(f"[{part!r}]")
        elif _PLAIN_KEY.match(part):
            out.append(f".{part}" if out else part)
        else:  # JSON quoting: a key with a quote, a newline or a control character stays one line
            out.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(out)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options``, or an empty string."""
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def format_finding(finding: Finding) -> str:
    """``PATH: message [rule]``, with ``warning:`` before the message of a warning."""
    where = finding.path or "(document)"
    level = "warning: " if finding.severity == "warning" else ""
    return f"{where}: {level}{finding.message} [{finding.rule}]"


@dataclass
class Report:
    """Collects findings while the checks run; :meth:`findings` dedupes and keeps order."""

    items: list[Finding] = field(default_factory=list)
    spec: tuple[PathPart, ...] = ("spec",)
    """Where the workflow spec is: a path given as ``spec...`` is reported below it
    (``spec.workflowSpec...`` in a CronWorkflow)."""

    def add(
        self, path: Sequence[object], rule: str, message: str, severity: Severity = "error"
    ) -> None:
        """Record one finding at ``path``."""
        if self.spec != ("spec",) and path and path[0] == "spec":
            path = (*self.spec, *path[1:])
        self.items.append(Finding(format_path(path), rule, message, severity))

    def findings(self) -> list[Finding]:
        """The findings, each once, in the order they were found."""
        return list(dict.fromkeys(self.items))
