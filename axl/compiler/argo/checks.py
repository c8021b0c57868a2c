"""Warnings about a compiled document that Argo would accept but a cluster may not like."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axl.ir import IRWorkflow

if TYPE_CHECKING:
    from axl.compiler.lint import Finding

SIZE_LIMIT = 1_000_000
"""About what etcd stores per object in practice (its request limit is 1.5 MiB)."""
_SCALARS = frozenset({"int", "float", "bool", "str", "None", "NoneType"})


def size_warning(size: int) -> str | None:
    """A warning when the YAML is too large to store as one Kubernetes object."""
    if size <= SIZE_LIMIT:
        return None
    return (
        f"the compiled document is {size / 1_000_000:.2f} MB, above the ~1 MB Kubernetes "
        "stores per object (etcd): deploy it once as a WorkflowTemplate "
        "(--kind workflow-template) and submit runs from it, and keep it smaller "
        "(fewer steps per workflow, short literal inputs and params)"
    )


def document_warnings(ir: IRWorkflow, size: int) -> list[str]:
    """Size, and ``when`` conditions on outputs Argo cannot compare.

    (The lint reports the rest, e.g. the full CRDs' limit of 200 templates.)
    """
    found = []
    size_text = size_warning(size)
    if size_text:
        found.append(size_text)
    for node in ir.nodes:
        cond = node.when
        if cond is None or cond.source != "step":
            continue
        annotation = ir.get_node(cond.ref).output.annotation
        if annotation is not None and not _is_scalar(annotation):
            found.append(
                f"step {node.name!r}: when={cond.text!r} reads step {cond.ref!r}, which "
                f"returns {annotation}; on Argo a condition compares a number, text, bool "
                "or None (return one from a small step and test that)"
            )
    return found


def _is_scalar(annotation: str) -> bool:
    text = annotation.replace(" ", "")
    if text.startswith("Optional[") and text.endswith("]"):
        text = text[len("Optional[") : -1]
    return all(part in _SCALARS for part in text.split("|"))


def lint(document: dict[str, Any]) -> list[Finding]:
    """The schema and semantic lint of a compiled document, names held to axl's own rules."""
    from axl.compiler.lint import lint_document

    return lint_document(document, strict_names=True)
