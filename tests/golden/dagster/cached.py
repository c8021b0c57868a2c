"""Dagster job 'cached' of workflow 'cached', written by axl 0.1.0.

Workflow: tests.examples_wf.cached:Cached (hash blake3:bb494acc3c56ba6539d7d70dcfb143de02262177cd9594bd055de36a6ec056b1).
Each op runs its step with axl's runner, as `axl run local` does: artifacts and
the run record go to <workspace>/runs/<Dagster run id>/. Regenerate this file
with `axl compile --target dagster` rather than edit it.

    dagster dev -f THIS_FILE
    dagster job execute -f THIS_FILE -j cached -c params.yaml
"""

import dagster as dg
from axl.runtime.dagster_op import AxlStep, AxlWorkflow, AxlWorkspace
from pydantic import Field


class Params(dg.Config):
    """The params of workflow 'cached': the launchpad's config, handed to every op."""

    rows: int = Field(default=3, description="rows to load")


WORKFLOW = AxlWorkflow(
    name="cached",
    ref="tests.examples_wf.cached:Cached",
    hash="blake3:bb494acc3c56ba6539d7d70dcfb143de02262177cd9594bd055de36a6ec056b1",
    steps=[
        AxlStep(
            name="load",
            secret_env={"API_TOKEN": "model-registry/token"},
            manifest={
                "workflow": "tests.examples_wf.cached:Cached",
                "step": "load",
                "outputs": [{"path": "$RUN_DIR/load/output.pkl", "handler": "pickle"}],
                "workflow_name": "cached",
                "env": {"LOG_LEVEL": "info"},
                "cache": {
                    "store": "s3://axl-cache/steps",
                    "code": "blake3:1111111111111111111111111111111111111111111111111111111111111111",
                    "environment": {
                        "lock": "blake3:2222222222222222222222222222222222222222222222222222222222222222",
                    },
                    "workflow": "examples_wf.cached:Cached",
                    "secrets": ["API_TOKEN=model-registry/token"],
                    "handlers": {"pickle": "1"},
                    "endpoint": "http://minio.minio:9000",
                },
            },
        ),
        AxlStep(
            name="train",
            upstream=["load"],
            secret_env={"API_TOKEN": "model-registry/token"},
            manifest={
                "workflow": "tests.examples_wf.cached:Cached",
                "step": "train",
                "outputs": [{"path": "$RUN_DIR/train/output.pkl", "handler": "pickle"}],
                "workflow_name": "cached",
                "inputs": [
                    {
                        "name": "load",
                        "path": "$RUN_DIR/load/output.pkl",
                        "handler": "pickle",
                        "ref": "load",
                    },
                ],
                "env": {"LOG_LEVEL": "info"},
                "cache": {
                    "store": "s3://axl-cache/steps",
                    "code": "blake3:1111111111111111111111111111111111111111111111111111111111111111",
                    "environment": {
                        "lock": "blake3:2222222222222222222222222222222222222222222222222222222222222222",
                    },
                    "workflow": "examples_wf.cached:Cached",
                    "secrets": ["API_TOKEN=model-registry/token"],
                    "handlers": {"pickle": "1"},
                    "endpoint": "http://minio.minio:9000",
                },
            },
        ),
        AxlStep(
            name="publish",
            upstream=["train"],
            secret_env={"API_TOKEN": "model-registry/token"},
            manifest={
                "workflow": "tests.examples_wf.cached:Cached",
                "step": "publish",
                "outputs": [
                    {"path": "$RUN_DIR/publish/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "cached",
                "inputs": [
                    {
                        "name": "train",
                        "path": "$RUN_DIR/train/output.pkl",
                        "handler": "pickle",
                        "ref": "train",
                    },
                ],
                "env": {"LOG_LEVEL": "info"},
            },
        ),
    ],
)


@dg.op(
    out=dg.Out(dg.Nothing),
    tags={
        "dagster-k8s/config": {
            "container_config": {
                "env": [
                    {
                        "name": "API_TOKEN",
                        "value_from": {
                            "secret_key_ref": {
                                "name": "model-registry",
                                "key": "token",
                            },
                        },
                    },
                ],
            },
        },
    },
)
def load(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace, config: Params):
    yield from WORKFLOW.run("load", context, axl_workspace, config)


@dg.op(
    ins={"load": dg.In(dg.Nothing)},
    out=dg.Out(dg.Nothing),
    tags={
        "dagster-k8s/config": {
            "container_config": {
                "env": [
                    {
                        "name": "API_TOKEN",
                        "value_from": {
                            "secret_key_ref": {
                                "name": "model-registry",
                                "key": "token",
                            },
                        },
                    },
                ],
            },
        },
    },
)
def train(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace, config: Params):
    yield from WORKFLOW.run("train", context, axl_workspace, config)


@dg.op(
    ins={"train": dg.In(dg.Nothing)},
    out=dg.Out(dg.Nothing),
    retry_policy=dg.RetryPolicy(max_retries=1),
    tags={
        "dagster-k8s/config": {
            "container_config": {
                "env": [
                    {
                        "name": "API_TOKEN",
                        "value_from": {
                            "secret_key_ref": {
                                "name": "model-registry",
                                "key": "token",
                            },
                        },
                    },
                ],
            },
        },
    },
)
def publish(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    yield from WORKFLOW.run("publish", context, axl_workspace, config)


@dg.config_mapping
def params_to_every_op(params: Params) -> dg.RunConfig:
    """The launchpad shows the workflow's params; every op gets them."""
    return dg.RunConfig(ops=dict.fromkeys(WORKFLOW.ops, params))


@dg.job(
    config=params_to_every_op,
    tags={"axl/workflow": "cached", "axl/hash": "bb494acc3c56"},
)
def cached():
    """Workflow 'cached' (tests.examples_wf.cached:Cached): 3 steps."""
    load_done = load()
    train_done = train(load=load_done)
    publish(train=train_done)


defs = dg.Definitions(
    jobs=[cached],
    resources={"axl_workspace": AxlWorkspace(folder=".axl")},
)
