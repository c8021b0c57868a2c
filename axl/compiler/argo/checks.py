"""Warnings about a compiled document that Argo would accept but a cluster may not like."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axl.ir import IRWorkflow
from axl.planning import condition_warnings
from axl.planning.warm import warm_warning

if TYPE_CHECKING:
    from axl.compiler.argo.lint import Finding
    from axl.compiler.argo.options import ArgoOptions

SIZE_LIMIT = 1_000_000
"""About what etcd stores per object in practice (its request limit is 1.5 MiB)."""


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


def document_warnings(ir: IRWorkflow, size: int, options: ArgoOptions | None = None) -> list[str]:
    """Size, ``when`` conditions on outputs Argo cannot compare, a ``warm_env`` left out.

    (The lint reports the rest, e.g. the full CRDs' limit of 200 templates.)
    """
    found = []
    size_text = size_warning(size)
    if size_text:
        found.append(size_text)
    found += condition_warnings(ir)
    if options is not None:
        warm = warm_warning(ir, options.packages_policy, options.env_store)
        if warm:
            found.append(warm)
    return found


def lint(document: dict[str, Any]) -> list[Finding]:
    """The check ``axl compile`` runs on its own output, names held to axl's own rules.

    The fast pass of :func:`~axl.compiler.argo.lint.check_compiled`; on any
    finding it reports what the full lint (``axl lint``) says.
    """
    from axl.compiler.argo.lint import check_compiled

    return check_compiled(document)
