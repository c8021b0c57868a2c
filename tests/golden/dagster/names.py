"""Dagster job 'names_2' of workflow 'names-2', written by axl 0.1.0.

Workflow: tests.dagster.workflows:Names (hash blake3:3f001bd7f3fea5a946dfd4a1b32889d46664f6b8450a12056407e94da6713e1b).
Each op runs its step with axl's runner, as `axl run local` does: artifacts and
the run record go to <workspace>/runs/<Dagster run id>/. Regenerate this file
with `axl compile --target dagster` rather than edit it.

    dagster dev -f THIS_FILE
    dagster job execute -f THIS_FILE -j names_2 -c params.yaml
"""

import dagster as dg
from axl.runtime.dagster_op import AxlStep, AxlWorkflow, AxlWorkspace
from pydantic import Field


class Params(dg.Config):
    """The params of workflow 'names-2': the launchpad's config, handed to every op."""

    json_: int = Field(default=1, alias="json", description='a "quoted" help')
    schema_: str = Field(default="s", alias="schema")


WORKFLOW = AxlWorkflow(
    name="names-2",
    ref="tests.dagster.workflows:Names",
    hash="blake3:3f001bd7f3fea5a946dfd4a1b32889d46664f6b8450a12056407e94da6713e1b",
    steps=[
        AxlStep(
            name="input",
            op="input_step_",
            manifest={
                "workflow": "tests.dagster.workflows:Names",
                "step": "input",
                "outputs": [{"path": "$RUN_DIR/input/output.pkl", "handler": "pickle"}],
                "workflow_name": "names-2",
            },
        ),
        AxlStep(
            name="type",
            op="type_step",
            upstream=["input"],
            manifest={
                "workflow": "tests.dagster.workflows:Names",
                "step": "type",
                "outputs": [{"path": "$RUN_DIR/type/output.pkl", "handler": "pickle"}],
                "workflow_name": "names-2",
                "inputs": [
                    {
                        "name": "input",
                        "path": "$RUN_DIR/input/output.pkl",
                        "handler": "pickle",
                        "ref": "input",
                    },
                ],
            },
        ),
        AxlStep(
            name="input_step",
            upstream=["type"],
            manifest={
                "workflow": "tests.dagster.workflows:Names",
                "step": "input_step",
                "outputs": [
                    {"path": "$RUN_DIR/input_step/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "names-2",
                "inputs": [
                    {
                        "name": "type",
                        "path": "$RUN_DIR/type/output.pkl",
                        "handler": "pickle",
                        "ref": "type",
                    },
                ],
            },
        ),
    ],
)


@dg.op(out=dg.Out(dg.Nothing))
def input_step_(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    """Docstring with "quotes", a backslash \\ and a tab        here."""
    yield from WORKFLOW.run("input", context, axl_workspace, config)


@dg.op(ins={"input_step_": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def type_step(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    yield from WORKFLOW.run("type", context, axl_workspace, config)


@dg.op(ins={"type_step": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def input_step(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    yield from WORKFLOW.run("input_step", context, axl_workspace, config)


@dg.config_mapping
def params_to_every_op(params: Params) -> dg.RunConfig:
    """The launchpad shows the workflow's params; every op gets them."""
    return dg.RunConfig(ops=dict.fromkeys(WORKFLOW.ops, params))


@dg.job(
    config=params_to_every_op,
    tags={"axl/workflow": "names-2", "axl/hash": "3f001bd7f3fe"},
)
def names_2():
    """Workflow 'names-2' (tests.dagster.workflows:Names): 3 steps."""
    input_step__done = input_step_()
    type_step_done = type_step(input_step_=input_step__done)
    input_step(type_step=type_step_done)


defs = dg.Definitions(
    jobs=[names_2],
    resources={"axl_workspace": AxlWorkspace(folder=".axl")},
)
