"""What the components should produce, computed independently with axl's own functions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from axl.compiler.argo import ArgoCodeArchive, ArgoOptions, compile
from axl.dsl.loader import load_target, module_for_file, split_target
from axl.ir import IRWorkflow, build
from axl.packaging import ArchiveResult, build_archive

OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
TEMPLATE = "kubernetes:argoproj.io/v1alpha1:WorkflowTemplate"
AXL_WORKFLOW = "axl:index:AxlWorkflow"
CODE_ARCHIVE = "axl:index:CodeArchive"
ARGO_TEMPLATE = "axl:index:ArgoWorkflowTemplate"


def workflow_ir(target: str) -> IRWorkflow:
    """The IR of ``file.py:Class``, imported afresh (tests reuse package names in new folders)."""
    file, _ = split_target(target)
    module, _ = module_for_file(Path(file))
    top = module.split(".")[0]
    for name in [m for m in sys.modules if m == top or m.startswith(f"{top}.")]:
        del sys.modules[name]
    return build(load_target(target).cls).ir


def template_document(
    ir: IRWorkflow,
    *,
    code: ArchiveResult | None = None,
    key: str | None = None,
    module: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """``axl compile --kind workflow-template`` of ``ir`` with the archive wired in."""
    code_options = {k: options.pop(k) for k in list(options) if k.startswith("code_")}
    archive = None
    if code is not None:
        assert key is not None
        archive = ArgoCodeArchive(
            key=key,
            digest=f"blake3:{code.digest}",
            **{k.removeprefix("code_"): v for k, v in code_options.items()},
        )
    if module is not None:
        options["workflow_ref"] = f"{module}:{ir.qualname}"
    return compile(ir, ArgoOptions(kind="workflow-template", code_archive=archive, **options))


def custom_resource_inputs(document: dict[str, Any]) -> dict[str, Any]:
    """What the ``CustomResource`` registers for a compiled document."""
    return {
        "apiVersion": document["apiVersion"],
        "kind": document["kind"],
        "metadata": document["metadata"],
        "spec": document["spec"],
    }


def archive(root: Path, out: Path, exclude: tuple[str, ...] = ()) -> ArchiveResult:
    """The archive of ``root``, built on its own into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    return build_archive(root, out, extra_patterns=exclude)


def renamed(value: Any, renames: dict[str, str]) -> Any:
    """``value`` (JSON data) with each old text replaced by its new one, wherever it occurs."""
    text = json.dumps(value, sort_keys=True)
    for old, new in renames.items():
        text = text.replace(old, new)
    return json.loads(text)


def lint(document: dict[str, Any]) -> list[Any]:
    """Findings of axl's Argo lint (schema and semantic checks) on ``document``."""
    from axl.compiler.argo.lint import lint_document

    return list(lint_document(document, strict_names=True))
