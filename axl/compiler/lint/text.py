"""Lint YAML text and files: every document of a multi-document stream."""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path
from typing import Any

from axl.compiler.lint.document import lint_document
from axl.compiler.lint.findings import Finding
from axl.errors import UsageError

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class LintInputError(UsageError):
    """The input is not a readable YAML file."""

    code = "lint_input"


@functools.lru_cache(maxsize=1)
def _loader() -> Any:
    """A safe YAML loader that keeps timestamps as text, as Kubernetes reads them."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag != _TIMESTAMP]
        for first, entries in base.yaml_implicit_resolvers.items()
    }
    return type("ArgoYamlLoader", (base,), {"yaml_implicit_resolvers": resolvers})


def parse_yaml(yaml_text: str, source: str = "the text") -> list[Any]:
    """The non-empty documents of ``yaml_text``; raises :class:`LintInputError` if not YAML."""
    import yaml

    try:
        documents = list(yaml.load_all(yaml_text, Loader=_loader()))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise LintInputError(
            f"{source} is not valid YAML{where}: {problem}",
            hint="fix the YAML syntax, then lint again",
        ) from None
    found = [doc for doc in documents if doc is not None]
    if not found:
        raise LintInputError(f"{source} holds no YAML document", hint="lint an Argo manifest")
    return found


def lint_text(
    yaml_text: str,
    *,
    schema_dir: Path | None = None,
    strict_names: bool = False,
    source: str = "the text",
) -> list[Finding]:
    """Lint every document of a YAML stream (see :func:`lint_document`).

    With several documents, each path starts with the document's index:
    ``[1].spec.entrypoint``. Raises :class:`LintInputError` if the text is not
    YAML or holds no document.
    """
    documents = parse_yaml(yaml_text, source)
    findings: list[Finding] = []
    for index, doc in enumerate(documents):
        found = lint_document(doc, schema_dir=schema_dir, strict_names=strict_names)
        if len(documents) > 1:
            found = [_in_document(index, f) for f in found]
        findings.extend(found)
    return findings


def _in_document(index: int, finding: Finding) -> Finding:
    path = finding.path
    joined = path if not path or path.startswith("[") else f".{path}"
    return replace(finding, path=f"[{index}]{joined}")


def read_text(path: Path) -> str:
    """A file's text, or :class:`LintInputError` naming the file and the problem."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LintInputError(
            f"{path} does not exist", hint="pass the path of a YAML file"
        ) from None
    except IsADirectoryError:
        raise LintInputError(
            f"{path} is a directory", hint="pass the path of a YAML file"
        ) from None
    except UnicodeDecodeError:
        raise LintInputError(f"{path} is not UTF-8 text", hint="pass a YAML file") from None
    except OSError as exc:
        raise LintInputError(f"cannot read {path}: {exc.strerror or exc}") from None


def lint_file(
    path: Path | str, *, schema_dir: Path | None = None, strict_names: bool = False
) -> list[Finding]:
    """Lint a YAML file (see :func:`lint_text`); raises :class:`LintInputError` if unreadable."""
    file = Path(path)
    return lint_text(
        read_text(file), schema_dir=schema_dir, strict_names=strict_names, source=str(file)
    )
