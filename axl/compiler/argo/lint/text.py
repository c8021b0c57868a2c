"""Lint YAML text and files: every document of a multi-document stream."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from axl.compiler.argo.lint.document import lint_document
from axl.compiler.argo.lint.findings import Finding
from axl.compiler.argo.lint.loader import LintInputError, parse_yaml
from axl.compiler.argo.versions import NEWEST_ARGO

__all__ = ["LintInputError", "decode_text", "lint_file", "lint_text", "parse_yaml", "read_text"]


def lint_text(
    yaml_text: str,
    *,
    schema_dir: Path | None = None,
    strict_names: bool = False,
    source: str = "the text",
    argo_version: str = NEWEST_ARGO,
) -> list[Finding]:
    """Lint every document of a YAML stream (see :func:`lint_document`).

    With several documents, each path starts with the document's index:
    ``[1].spec.entrypoint``. Raises :class:`LintInputError` if the text is not
    YAML, holds no document, or a document the lint refuses to walk (see
    :func:`~axl.compiler.argo.lint.bounds.check_bounds`).
    """
    documents = parse_yaml(yaml_text, source)
    findings: list[Finding] = []
    for index, doc in enumerate(documents):
        label = f"{source} (document {index})" if len(documents) > 1 else source
        found = lint_document(
            doc,
            schema_dir=schema_dir,
            strict_names=strict_names,
            source=label,
            argo_version=argo_version,
        )
        if len(documents) > 1:
            found = [_in_document(index, f) for f in found]
        findings.extend(found)
    return findings


def _in_document(index: int, finding: Finding) -> Finding:
    path = finding.path
    joined = path if not path or path.startswith("[") else f".{path}"
    return replace(finding, path=f"[{index}]{joined}")


def decode_text(data: bytes, source: str) -> str:
    """``data`` as UTF-8 text, or :class:`LintInputError` naming ``source``."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LintInputError(
            f"{source} is not UTF-8 text (byte {exc.start})", hint="pass a YAML file"
        ) from None


def read_text(path: Path) -> str:
    """A file's text, or :class:`LintInputError` naming the file and the problem."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LintInputError(
            f"{path} does not exist", hint="pass the path of a YAML file"
        ) from None
    except IsADirectoryError:
        raise LintInputError(
            f"{path} is a directory", hint="pass the path of a YAML file"
        ) from None
    except OSError as exc:
        raise LintInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return decode_text(data, str(path))


def lint_file(
    path: Path | str,
    *,
    schema_dir: Path | None = None,
    strict_names: bool = False,
    argo_version: str = NEWEST_ARGO,
) -> list[Finding]:
    """Lint a YAML file (see :func:`lint_text`); raises :class:`LintInputError` if unreadable."""
    file = Path(path)
    return lint_text(
        read_text(file),
        schema_dir=schema_dir,
        strict_names=strict_names,
        source=str(file),
        argo_version=argo_version,
    )
