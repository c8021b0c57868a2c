"""axl: write an ML workflow once as a Python class; run it locally or on Argo, Kubeflow, Dagster.

Importing ``axl`` is cheap: the DSL is loaded eagerly, everything heavier
(the IR builder, the local engine) on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axl._version import __version__
from axl.dsl import (
    OutputRef,
    Param,
    ParamRef,
    Resources,
    Retry,
    Secret,
    Workflow,
    step,
    workflow,
)

if TYPE_CHECKING:
    from axl.ir import AxlWarning, IRWorkflow, build_ir
    from axl.runtime.api import RunResult, run_local

_LAZY = {
    "build_ir": ("axl.ir", "build_ir"),
    "IRWorkflow": ("axl.ir", "IRWorkflow"),
    "AxlWarning": ("axl.ir", "AxlWarning"),
    "run_local": ("axl.runtime.api", "run_local"),
    "RunResult": ("axl.runtime.api", "RunResult"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'axl' has no attribute {name!r}")


__all__ = [
    "AxlWarning",
    "IRWorkflow",
    "OutputRef",
    "Param",
    "ParamRef",
    "Resources",
    "Retry",
    "RunResult",
    "Secret",
    "Workflow",
    "__version__",
    "build_ir",
    "run_local",
    "step",
    "workflow",
]
