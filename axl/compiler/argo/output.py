"""``render(ir, options)``: compile, render the YAML, and collect the warnings."""

from __future__ import annotations

from typing import Any

from axl.compiler.argo.checks import document_warnings
from axl.compiler.argo.compiler import compile
from axl.compiler.argo.options import ArgoOptions
from axl.compiler.yaml_render import to_yaml
from axl.dataclass_fast import dataclass
from axl.ir import IRWorkflow


@dataclass(frozen=True)
class ArgoOutput:
    """A compiled document, its YAML text and the warnings about it."""

    document: dict[str, Any]
    yaml: str
    warnings: tuple[str, ...]


def render(ir: IRWorkflow, options: ArgoOptions | None = None) -> ArgoOutput:
    """Compile ``ir``, render the YAML, and collect the warnings."""
    document = compile(ir, options)
    text = to_yaml(document)
    found = document_warnings(ir, len(text.encode("utf-8")), options)
    return ArgoOutput(document=document, yaml=text, warnings=tuple(found))
