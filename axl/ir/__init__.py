"""The intermediate representation of a workflow and its builder."""

from axl.ir.builder import AxlWarning, BuildResult, build, build_ir
from axl.ir.models import (
    IRCondition,
    IREdge,
    IREnvVar,
    IRInput,
    IRNode,
    IROutput,
    IRParam,
    IRResources,
    IRRetry,
    IRSecretRef,
    IRWorkflow,
)

__all__ = [
    "AxlWarning",
    "BuildResult",
    "IRCondition",
    "IREdge",
    "IREnvVar",
    "IRInput",
    "IRNode",
    "IROutput",
    "IRParam",
    "IRResources",
    "IRRetry",
    "IRSecretRef",
    "IRWorkflow",
    "build",
    "build_ir",
]
