"""Compile an IR to the source of a Dagster job module: a pure function."""

from __future__ import annotations

from axl.compiler.dagster.module import module_source
from axl.compiler.dagster.options import DagsterOptions
from axl.compiler.dagster.plan import make_plan
from axl.ir import IRWorkflow


def compile(ir: IRWorkflow, options: DagsterOptions | None = None) -> str:
    """The job module of ``ir`` as text; the same IR and options give the same bytes."""
    return module_source(make_plan(ir, options or DagsterOptions()))
