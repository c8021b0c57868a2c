"""axl: write an ML workflow once as a Python class; run it locally or on Argo, Kubeflow, Dagster.

Importing ``axl`` is cheap: every public name (the DSL, the IR builder, the
local engine) is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axl._version import __version__

if TYPE_CHECKING:
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
    from axl.ir import AxlWarning, IRWorkflow, build_ir
    from axl.runtime.api import RunResult, run_local

# Each public name is imported on first use: ``axl --help`` and the runner's
# start import ``axl`` (for its version) without needing the DSL.
_LAZY = {
    **{
        name: ("axl.dsl", name)
        for name in (
            "OutputRef",
            "Param",
            "ParamRef",
            "Resources",
            "Retry",
            "Secret",
            "Workflow",
            "step",
            "workflow",
        )
    },
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
