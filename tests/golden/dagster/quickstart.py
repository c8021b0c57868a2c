"""Dagster job 'hello' of workflow 'hello', written by axl 0.1.0.

Workflow: quickstart:Hello (hash blake3:495172fc23cb5c7af68e52f14837adaf5f454b37d985ee201f334304b4bf6bb0).
Each op runs its step with axl's runner, as `axl run local` does: artifacts and
the run record go to <workspace>/runs/<Dagster run id>/. Regenerate this file
with `axl compile --target dagster` rather than edit it.

    dagster dev -f THIS_FILE
    dagster job execute -f THIS_FILE -j hello -c params.yaml
"""

import dagster as dg
from axl.runtime.dagster_op import AxlStep, AxlWorkflow, AxlWorkspace
from pydantic import Field


class Params(dg.Config):
    """The params of workflow 'hello': the launchpad's config, handed to every op."""

    greeting: str = Field(default="hello", description="how to greet")


WORKFLOW = AxlWorkflow(
    name="hello",
    ref="quickstart:Hello",
    hash="blake3:495172fc23cb5c7af68e52f14837adaf5f454b37d985ee201f334304b4bf6bb0",
    steps=[
        AxlStep(
            name="names",
            manifest={
                "workflow": "quickstart:Hello",
                "step": "names",
                "outputs": [{"path": "$RUN_DIR/names/output.pkl", "handler": "pickle"}],
                "workflow_name": "hello",
                "python_path": ["examples"],
            },
        ),
        AxlStep(
            name="greet",
            upstream=["names"],
            manifest={
                "workflow": "quickstart:Hello",
                "step": "greet",
                "outputs": [{"path": "$RUN_DIR/greet/output.pkl", "handler": "pickle"}],
                "workflow_name": "hello",
                "inputs": [
                    {
                        "name": "names",
                        "path": "$RUN_DIR/names/output.pkl",
                        "handler": "pickle",
                        "ref": "names",
                    },
                ],
                "python_path": ["examples"],
            },
        ),
        AxlStep(
            name="report",
            upstream=["greet"],
            manifest={
                "workflow": "quickstart:Hello",
                "step": "report",
                "outputs": [
                    {"path": "$RUN_DIR/report/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "hello",
                "inputs": [
                    {
                        "name": "greetings",
                        "path": "$RUN_DIR/greet/output.pkl",
                        "handler": "pickle",
                        "ref": "greet",
                    },
                ],
                "python_path": ["examples"],
            },
        ),
    ],
)


@dg.op(out=dg.Out(dg.Nothing))
def names(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace, config: Params):
    yield from WORKFLOW.run("names", context, axl_workspace, config)


@dg.op(
    ins={"names": dg.In(dg.Nothing)},
    out=dg.Out(dg.Nothing),
    retry_policy=dg.RetryPolicy(max_retries=2),
    tags={
        "dagster-k8s/config": {
            "container_config": {
                "resources": {
                    "requests": {"cpu": "250m", "memory": "256Mi"},
                    "limits": {"memory": "256Mi"},
                },
            },
        },
    },
)
def greet(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace, config: Params):
    yield from WORKFLOW.run("greet", context, axl_workspace, config)


@dg.op(ins={"greet": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def report(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace, config: Params):
    yield from WORKFLOW.run("report", context, axl_workspace, config)


@dg.config_mapping
def params_to_every_op(params: Params) -> dg.RunConfig:
    """The launchpad shows the workflow's params; every op gets them."""
    return dg.RunConfig(ops=dict.fromkeys(WORKFLOW.ops, params))


@dg.job(
    config=params_to_every_op,
    tags={"axl/workflow": "hello", "axl/hash": "495172fc23cb"},
)
def hello():
    """Workflow 'hello' (quickstart:Hello): 3 steps."""
    names_done = names()
    greet_done = greet(names=names_done)
    report(greet=greet_done)


defs = dg.Definitions(
    jobs=[hello],
    resources={"axl_workspace": AxlWorkspace(folder=".axl")},
)
