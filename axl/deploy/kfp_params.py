"""The parameters of a KFP run: validated as the workflow declares them, typed as the pipeline's.

``axl run local`` and a KFP run take the same ``--param`` values to the same
values: both resolve them against the workflow class
(:func:`axl.dsl.params.resolve_params`). Each is then JSON of the type its
pipeline parameter has (:func:`axl.compiler.kfp.parameters.parameter_type`),
which is what KFP checks a run's runtime config against: ``k=5`` of an
``int`` param is the integer 5, of a ``float`` param 5.0, and a param whose
pipeline parameter is text (one a workflow without declarations reads) is
its text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axl.compiler.kfp.parameters import parameter_type
from axl.dsl.params import resolve_params
from axl.errors import ParamsError
from axl.ir import IRWorkflow
from axl.planning import param_text, workflow_params


def run_parameters(cls: type, ir: IRWorkflow, given: Mapping[str, Any]) -> dict[str, Any]:
    """The runtime parameters of a run of ``ir`` (compiled from ``cls``) for the ``given`` params.

    Only given params are sent (KFP applies the pipeline's defaults to the
    rest); a param the workflow refuses, or one the pipeline does not have,
    is a :class:`~axl.errors.ParamsError` before anything is sent.
    """
    resolved = resolve_params(cls, given)
    pipeline = workflow_params(ir)
    unknown = sorted(set(given) - set(pipeline))
    if unknown:
        raise ParamsError(
            f"workflow {ir.name!r}: the pipeline has no parameter {', '.join(unknown)}",
            hint=f"its parameters: {', '.join(pipeline) or 'none'} (a workflow that declares "
            "no params has those its steps read)",
            workflow=ir.name,
        )
    return {name: _typed(resolved[name], parameter_type(pipeline[name])) for name in given}


def _typed(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "STRING" and not isinstance(value, str):
        return param_text(value)
    if kind == "NUMBER_DOUBLE" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind == "LIST" and isinstance(value, tuple):
        return list(value)
    return value
