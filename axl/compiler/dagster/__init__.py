"""The Dagster target: a job module (``axl compile --target dagster``), or the job in memory.

Each step is an op that runs the step with axl's runner
(:mod:`axl.runtime.dagster_op`), so a Dagster run writes the same run folder
as ``axl run local``. Importing this package imports no Dagster;
:func:`definitions` and :func:`to_job` need the ``axl-workflows[dagster]``
extra.
"""

from axl.compiler.dagster.compiler import compile
from axl.compiler.dagster.definitions import definitions, to_job
from axl.compiler.dagster.options import DagsterOptions, DagsterOptionsError

__all__ = ["DagsterOptions", "DagsterOptionsError", "compile", "definitions", "to_job"]
