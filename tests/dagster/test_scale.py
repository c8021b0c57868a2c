"""A long job builds: Dagster sorts a job's graph recursively, a frame or so per op in a chain."""

from __future__ import annotations

from axl.compiler.dagster import definitions
from axl.ir import IREdge, IRNode, IROutput, IRWorkflow
from tests.dagster.jobs import only_job

STEPS = 1200


def chain(n: int) -> IRWorkflow:
    nodes = tuple(
        IRNode(name=f"s{i:04d}", output=IROutput(handler="pickle", ext=".pkl"), code_digest="x")
        for i in range(n)
    )
    edges = tuple(IREdge(source=f"s{i - 1:04d}", target=f"s{i:04d}") for i in range(1, n))
    return IRWorkflow(name="chain", module="m", qualname="Chain", nodes=nodes, edges=edges)


def test_a_chain_longer_than_pythons_recursion_limit_builds():
    job = only_job(definitions(chain(STEPS)))
    assert len(job.nodes) == STEPS
    assert job.graph.dependency_structure.all_upstream_outputs_from_node("s1199")[0].node_name == (
        "s1198"
    )
