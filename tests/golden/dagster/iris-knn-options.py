"""Dagster job 'iris' of workflow 'iris-knn', written by axl 0.1.0.

Workflow: iris_knn:IrisKNN (hash blake3:0d1e9ff6a297dd742acdae95cb9a5e54ea781b47e5b96a62cc6c4d64c8ba3031).
Each op runs its step with axl's runner, as `axl run local` does: artifacts and
the run record go to <workspace>/runs/<Dagster run id>/. Regenerate this file
with `axl compile --target dagster` rather than edit it.

    dagster dev -f THIS_FILE
    dagster job execute -f THIS_FILE -j iris -c params.yaml
"""

import dagster as dg
from axl.runtime.dagster_op import AxlStep, AxlWorkflow, AxlWorkspace
from pydantic import Field


class Params(dg.Config):
    """The params of workflow 'iris-knn': the launchpad's config, handed to every op."""

    n_neighbors: int = Field(
        default=5,
        description="k of the k-nearest-neighbours classifier",
    )
    test_size: float = Field(
        default=0.3,
        description="fraction of the samples held out for evaluation",
    )


WORKFLOW = AxlWorkflow(
    name="iris-knn",
    ref="iris_knn:IrisKNN",
    hash="blake3:0d1e9ff6a297dd742acdae95cb9a5e54ea781b47e5b96a62cc6c4d64c8ba3031",
    steps=[
        AxlStep(
            name="load_data",
            manifest={
                "workflow": "iris_knn:IrisKNN",
                "step": "load_data",
                "outputs": [
                    {"path": "$RUN_DIR/load_data/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "iris-knn",
                "packages": {"requirements": ["scikit-learn"], "policy": "install"},
                "python_path": ["src"],
            },
        ),
        AxlStep(
            name="split",
            upstream=["load_data"],
            manifest={
                "workflow": "iris_knn:IrisKNN",
                "step": "split",
                "outputs": [{"path": "$RUN_DIR/split/output.pkl", "handler": "pickle"}],
                "workflow_name": "iris-knn",
                "inputs": [
                    {
                        "name": "data",
                        "path": "$RUN_DIR/load_data/output.pkl",
                        "handler": "pickle",
                        "ref": "load_data",
                    },
                ],
                "packages": {"requirements": ["scikit-learn"], "policy": "install"},
                "python_path": ["src"],
            },
        ),
        AxlStep(
            name="train",
            upstream=["split"],
            manifest={
                "workflow": "iris_knn:IrisKNN",
                "step": "train",
                "outputs": [{"path": "$RUN_DIR/train/output.pkl", "handler": "pickle"}],
                "workflow_name": "iris-knn",
                "inputs": [
                    {
                        "name": "split",
                        "path": "$RUN_DIR/split/output.pkl",
                        "handler": "pickle",
                        "ref": "split",
                    },
                ],
                "packages": {"requirements": ["scikit-learn"], "policy": "install"},
                "python_path": ["src"],
            },
        ),
        AxlStep(
            name="evaluate",
            upstream=["train"],
            manifest={
                "workflow": "iris_knn:IrisKNN",
                "step": "evaluate",
                "outputs": [
                    {"path": "$RUN_DIR/evaluate/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "iris-knn",
                "inputs": [
                    {
                        "name": "trained",
                        "path": "$RUN_DIR/train/output.pkl",
                        "handler": "pickle",
                        "ref": "train",
                    },
                ],
                "packages": {"requirements": ["scikit-learn"], "policy": "install"},
                "python_path": ["src"],
            },
        ),
    ],
)


@dg.op(out=dg.Out(dg.Nothing))
def load_data(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    """Load the iris measurements bundled with scikit-learn (no network)."""
    yield from WORKFLOW.run("load_data", context, axl_workspace, config)


@dg.op(ins={"load_data": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def split(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace, config: Params):
    """Hold out a stratified test set."""
    yield from WORKFLOW.run("split", context, axl_workspace, config)


@dg.op(ins={"split": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def train(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace, config: Params):
    """Fit the classifier; pass the held-out set along for evaluation."""
    yield from WORKFLOW.run("train", context, axl_workspace, config)


@dg.op(ins={"train": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def evaluate(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    """Accuracy on the held-out set."""
    yield from WORKFLOW.run("evaluate", context, axl_workspace, config)


@dg.config_mapping
def params_to_every_op(params: Params) -> dg.RunConfig:
    """The launchpad shows the workflow's params; every op gets them."""
    return dg.RunConfig(ops=dict.fromkeys(WORKFLOW.ops, params))


@dg.job(
    config=params_to_every_op,
    executor_def=dg.multiprocess_executor.configured({"max_concurrent": 4}),
    tags={"axl/workflow": "iris-knn", "axl/hash": "0d1e9ff6a297"},
)
def iris():
    """Workflow 'iris-knn' (iris_knn:IrisKNN): 4 steps."""
    load_data_done = load_data()
    split_done = split(load_data=load_data_done)
    train_done = train(split=split_done)
    evaluate(train=train_done)


defs = dg.Definitions(
    jobs=[iris],
    resources={"axl_workspace": AxlWorkspace(folder="/data/axl")},
)
