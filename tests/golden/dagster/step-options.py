"""Dagster job 'step_options' of workflow 'step-options', written by axl 0.1.0.

Workflow: tests.examples_wf.step_options:StepOptions (hash blake3:cd17c4a67935df2f0e8c75c7202cccec5af11717469d0e012b9817588fe1bdd6).
Each op runs its step with axl's runner, as `axl run local` does: artifacts and
the run record go to <workspace>/runs/<Dagster run id>/. Regenerate this file
with `axl compile --target dagster` rather than edit it.

    dagster dev -f THIS_FILE
    dagster job execute -f THIS_FILE -j step_options -c params.yaml
"""

import dagster as dg
from axl.runtime.dagster_op import AxlStep, AxlWorkflow, AxlWorkspace

WORKFLOW = AxlWorkflow(
    name="step-options",
    ref="tests.examples_wf.step_options:StepOptions",
    hash="blake3:cd17c4a67935df2f0e8c75c7202cccec5af11717469d0e012b9817588fe1bdd6",
    steps=[
        AxlStep(
            name="fetch",
            timeout=600.0,
            secret_env={"DB_PASSWORD": "db-credentials/password"},
            manifest={
                "workflow": "tests.examples_wf.step_options:StepOptions",
                "step": "fetch",
                "outputs": [{"path": "$RUN_DIR/fetch/output.pkl", "handler": "pickle"}],
                "workflow_name": "step-options",
                "packages": {"requirements": ["numpy>=1.26"], "policy": "check"},
                "env": {"LOG_LEVEL": "info"},
            },
        ),
        AxlStep(
            name="train",
            upstream=["fetch"],
            timeout=5400.5,
            secret_env={"DB_PASSWORD": "db-credentials/password"},
            manifest={
                "workflow": "tests.examples_wf.step_options:StepOptions",
                "step": "train",
                "outputs": [{"path": "$RUN_DIR/train/output.pkl", "handler": "pickle"}],
                "workflow_name": "step-options",
                "inputs": [
                    {
                        "name": "fetch",
                        "path": "$RUN_DIR/fetch/output.pkl",
                        "handler": "pickle",
                        "ref": "fetch",
                    },
                ],
                "packages": {
                    "requirements": ["numpy>=1.26", "torch>=2.3"],
                    "policy": "check",
                },
                "env": {"CUDA_VISIBLE_DEVICES": "0,1", "LOG_LEVEL": "debug"},
            },
        ),
        AxlStep(
            name="register",
            upstream=["train"],
            secret_env={
                "API_TOKEN": "model-registry/token",
                "DB_PASSWORD": "db-credentials/password",
            },
            manifest={
                "workflow": "tests.examples_wf.step_options:StepOptions",
                "step": "register",
                "outputs": [
                    {"path": "$RUN_DIR/register/output.json", "handler": "json"},
                ],
                "workflow_name": "step-options",
                "inputs": [
                    {
                        "name": "train",
                        "path": "$RUN_DIR/train/output.pkl",
                        "handler": "pickle",
                        "ref": "train",
                    },
                ],
                "packages": {"requirements": ["numpy>=1.26"], "policy": "check"},
                "env": {"LOG_LEVEL": "info"},
            },
        ),
    ],
)


@dg.op(
    out=dg.Out(dg.Nothing),
    retry_policy=dg.RetryPolicy(
        max_retries=3,
        delay=2.0,
        backoff=dg.Backoff.EXPONENTIAL,
    ),
    tags={
        "dagster-k8s/config": {
            "container_config": {
                "resources": {
                    "requests": {"cpu": "500m", "memory": "2Gi"},
                    "limits": {"memory": "2Gi"},
                },
                "env": [
                    {
                        "name": "DB_PASSWORD",
                        "value_from": {
                            "secret_key_ref": {
                                "name": "db-credentials",
                                "key": "password",
                            },
                        },
                    },
                ],
            },
        },
    },
)
def fetch(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("fetch", context, axl_workspace)


@dg.op(
    ins={"fetch": dg.In(dg.Nothing)},
    out=dg.Out(dg.Nothing),
    tags={
        "dagster-k8s/config": {
            "container_config": {
                "resources": {
                    "requests": {"cpu": "4", "memory": "16Gi"},
                    "limits": {"memory": "20Gi", "cpu": "8", "nvidia.com/gpu": "2"},
                },
                "env": [
                    {
                        "name": "DB_PASSWORD",
                        "value_from": {
                            "secret_key_ref": {
                                "name": "db-credentials",
                                "key": "password",
                            },
                        },
                    },
                ],
            },
        },
    },
)
def train(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("train", context, axl_workspace)


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
                    {
                        "name": "DB_PASSWORD",
                        "value_from": {
                            "secret_key_ref": {
                                "name": "db-credentials",
                                "key": "password",
                            },
                        },
                    },
                ],
            },
        },
    },
)
def register(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("register", context, axl_workspace)


@dg.config_mapping(config_schema={})
def params_to_every_op(config: dict) -> dict:
    """The workflow has no params: the launchpad asks for none."""
    return {}


@dg.job(
    config=params_to_every_op,
    tags={"axl/workflow": "step-options", "axl/hash": "cd17c4a67935"},
)
def step_options():
    """Workflow 'step-options' (tests.examples_wf.step_options:StepOptions): 3 steps."""
    fetch_done = fetch()
    train_done = train(fetch=fetch_done)
    register(train=train_done)


defs = dg.Definitions(
    jobs=[step_options],
    resources={"axl_workspace": AxlWorkspace(folder=".axl")},
)
