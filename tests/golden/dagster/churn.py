"""Dagster job 'churn' of workflow 'churn', written by axl 0.1.0.

Workflow: churn_workflow:ChurnWorkflow (hash blake3:6b7fa9a91ca9ada3b62b8d8dff90fe17f0197e95c789d92f24d712e99ec77832).
Each op runs its step with axl's runner, as `axl run local` does: artifacts and
the run record go to <workspace>/runs/<Dagster run id>/. Regenerate this file
with `axl compile --target dagster` rather than edit it.

    dagster dev -f THIS_FILE
    dagster job execute -f THIS_FILE -j churn -c params.yaml
"""

import dagster as dg
from axl.runtime.dagster_op import AxlStep, AxlWorkflow, AxlWorkspace

WORKFLOW = AxlWorkflow(
    name="churn",
    ref="churn_workflow:ChurnWorkflow",
    hash="blake3:6b7fa9a91ca9ada3b62b8d8dff90fe17f0197e95c789d92f24d712e99ec77832",
    steps=[
        AxlStep(
            name="params",
            manifest={
                "workflow": "churn_workflow:ChurnWorkflow",
                "step": "params",
                "outputs": [
                    {"path": "$RUN_DIR/params/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "churn",
                "python_path": ["examples"],
            },
        ),
        AxlStep(
            name="load",
            upstream=["params"],
            manifest={
                "workflow": "churn_workflow:ChurnWorkflow",
                "step": "load",
                "outputs": [{"path": "$RUN_DIR/load/output.pkl", "handler": "pickle"}],
                "workflow_name": "churn",
                "inputs": [
                    {
                        "name": "params",
                        "path": "$RUN_DIR/params/output.pkl",
                        "handler": "pickle",
                        "ref": "params",
                    },
                ],
                "python_path": ["examples"],
            },
        ),
        AxlStep(
            name="usage_features",
            upstream=["load"],
            manifest={
                "workflow": "churn_workflow:ChurnWorkflow",
                "step": "usage_features",
                "outputs": [
                    {"path": "$RUN_DIR/usage_features/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "churn",
                "inputs": [
                    {
                        "name": "customers",
                        "path": "$RUN_DIR/load/output.pkl",
                        "handler": "pickle",
                        "ref": "load",
                    },
                ],
                "python_path": ["examples"],
            },
        ),
        AxlStep(
            name="billing_features",
            upstream=["load"],
            manifest={
                "workflow": "churn_workflow:ChurnWorkflow",
                "step": "billing_features",
                "outputs": [
                    {
                        "path": "$RUN_DIR/billing_features/output.pkl",
                        "handler": "pickle",
                    },
                ],
                "workflow_name": "churn",
                "inputs": [
                    {
                        "name": "customers",
                        "path": "$RUN_DIR/load/output.pkl",
                        "handler": "pickle",
                        "ref": "load",
                    },
                ],
                "python_path": ["examples"],
            },
        ),
        AxlStep(
            name="score",
            upstream=["usage_features", "billing_features", "params"],
            manifest={
                "workflow": "churn_workflow:ChurnWorkflow",
                "step": "score",
                "outputs": [{"path": "$RUN_DIR/score/output.pkl", "handler": "pickle"}],
                "workflow_name": "churn",
                "inputs": [
                    {
                        "name": "usage",
                        "path": "$RUN_DIR/usage_features/output.pkl",
                        "handler": "pickle",
                        "ref": "usage_features",
                    },
                    {
                        "name": "billing",
                        "path": "$RUN_DIR/billing_features/output.pkl",
                        "handler": "pickle",
                        "ref": "billing_features",
                    },
                    {
                        "name": "params",
                        "path": "$RUN_DIR/params/output.pkl",
                        "handler": "pickle",
                        "ref": "params",
                    },
                ],
                "python_path": ["examples"],
            },
        ),
    ],
)


@dg.op(out=dg.Out(dg.Nothing))
def params(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    """Turn the raw run parameters into a typed, validated model."""
    yield from WORKFLOW.run("params", context, axl_workspace)


@dg.op(ins={"params": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def load(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    """Synthetic customers: tenure in months, monthly usage hours, late payments."""
    yield from WORKFLOW.run("load", context, axl_workspace)


@dg.op(ins={"load": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def usage_features(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    """Low usage and short tenure raise the risk."""
    yield from WORKFLOW.run("usage_features", context, axl_workspace)


@dg.op(ins={"load": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def billing_features(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    """Late payments and high bills raise the risk."""
    yield from WORKFLOW.run("billing_features", context, axl_workspace)


@dg.op(
    ins={
        "usage_features": dg.In(dg.Nothing),
        "billing_features": dg.In(dg.Nothing),
        "params": dg.In(dg.Nothing),
    },
    out=dg.Out(dg.Nothing),
)
def score(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    """Logistic churn risk per customer, and how many are above the threshold."""
    yield from WORKFLOW.run("score", context, axl_workspace)


@dg.config_mapping(config_schema={})
def params_to_every_op(config: dict) -> dict:
    """The workflow has no params: the launchpad asks for none."""
    return {}


@dg.job(
    config=params_to_every_op,
    tags={"axl/workflow": "churn", "axl/hash": "6b7fa9a91ca9"},
)
def churn():
    """Workflow 'churn' (churn_workflow:ChurnWorkflow): 5 steps."""
    params_done = params()
    load_done = load(params=params_done)
    usage_features_done = usage_features(load=load_done)
    billing_features_done = billing_features(load=load_done)
    score(
        usage_features=usage_features_done,
        billing_features=billing_features_done,
        params=params_done,
    )


defs = dg.Definitions(
    jobs=[churn],
    resources={"axl_workspace": AxlWorkspace(folder=".axl")},
)
