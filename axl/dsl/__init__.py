"""What users import to declare workflows (re-exported from :mod:`axl`)."""

from axl.dsl.conditions import Condition
from axl.dsl.options import Resources, Retry, Secret
from axl.dsl.params import Param, ParamsView
from axl.dsl.refs import OutputRef, ParamRef
from axl.dsl.step import StepSpec, step
from axl.dsl.workflow import Workflow, workflow

__all__ = [
    "Condition",
    "OutputRef",
    "Param",
    "ParamRef",
    "ParamsView",
    "Resources",
    "Retry",
    "Secret",
    "StepSpec",
    "Workflow",
    "step",
    "workflow",
]
