"""Dagster job 'typed' of workflow 'typed', written by axl 0.1.0.

Workflow: tests.dagster.workflows:Typed (hash blake3:30b92232a607400186c7424b9b987402911b2de43ca03c42acfa5699c07f9159).
Each op runs its step with axl's runner, as `axl run local` does: artifacts and
the run record go to <workspace>/runs/<Dagster run id>/. Regenerate this file
with `axl compile --target dagster` rather than edit it.

    dagster dev -f THIS_FILE
    dagster job execute -f THIS_FILE -j typed -c params.yaml
"""

from typing import Literal

import dagster as dg
from axl.runtime.dagster_op import AxlStep, AxlWorkflow, AxlWorkspace
from pydantic import Field


class Params(dg.Config):
    """The params of workflow 'typed': the launchpad's config, handed to every op."""

    count: int = Field(default=3, description="a whole number")
    rate: float = 0.5
    flag: bool = False
    label: str = Field(description="required text")
    tags: list = Field(default=["a", "b"])
    extra: dict = Field(default={"seed": 1})
    mode: Literal["fast", "slow"] = "fast"
    maybe: str | None = None


WORKFLOW = AxlWorkflow(
    name="typed",
    ref="tests.dagster.workflows:Typed",
    hash="blake3:30b92232a607400186c7424b9b987402911b2de43ca03c42acfa5699c07f9159",
    steps=[
        AxlStep(
            name="show",
            manifest={
                "workflow": "tests.dagster.workflows:Typed",
                "step": "show",
                "outputs": [{"path": "$RUN_DIR/show/output.json", "handler": "json"}],
                "workflow_name": "typed",
            },
        ),
    ],
)


@dg.op(out=dg.Out(dg.Nothing))
def show(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace, config: Params):
    yield from WORKFLOW.run("show", context, axl_workspace, config)


@dg.config_mapping
def params_to_every_op(params: Params) -> dg.RunConfig:
    """The launchpad shows the workflow's params; every op gets them."""
    return dg.RunConfig(ops=dict.fromkeys(WORKFLOW.ops, params))


@dg.job(
    config=params_to_every_op,
    tags={"axl/workflow": "typed", "axl/hash": "30b92232a607"},
)
def typed():
    """Workflow 'typed' (tests.dagster.workflows:Typed): 1 step."""
    show()


defs = dg.Definitions(
    jobs=[typed],
    resources={"axl_workspace": AxlWorkspace(folder=".axl")},
)
