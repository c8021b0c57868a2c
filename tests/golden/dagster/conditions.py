"""Dagster job 'conditions' of workflow 'conditions', written by axl 0.1.0.

Workflow: tests.examples_wf.conditions:Conditions (hash blake3:496545c0fa895c012520ae2f4541f2975212535ff65e042c7e3bf32d589b6ca7).
Each op runs its step with axl's runner, as `axl run local` does: artifacts and
the run record go to <workspace>/runs/<Dagster run id>/. Regenerate this file
with `axl compile --target dagster` rather than edit it.

    dagster dev -f THIS_FILE
    dagster job execute -f THIS_FILE -j conditions -c params.yaml
"""

from typing import Literal

import dagster as dg
from axl.runtime.dagster_op import AxlStep, AxlWorkflow, AxlWorkspace
from pydantic import Field


class Params(dg.Config):
    """The params of workflow 'conditions': the launchpad's config, handed to every op."""

    threshold: float = Field(default=0.8, description="accuracy needed to publish")
    mode: Literal["full", "quick"] = Field(
        default="full",
        description="how much to report",
    )
    region: str = "eu"
    dry_run: bool = False
    retries: int = 0
    run_label: str = Field(description="a label for this run (required)")


WORKFLOW = AxlWorkflow(
    name="conditions",
    ref="tests.examples_wf.conditions:Conditions",
    hash="blake3:496545c0fa895c012520ae2f4541f2975212535ff65e042c7e3bf32d589b6ca7",
    steps=[
        AxlStep(
            name="evaluate",
            manifest={
                "workflow": "tests.examples_wf.conditions:Conditions",
                "step": "evaluate",
                "outputs": [
                    {"path": "$RUN_DIR/evaluate/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "conditions",
            },
        ),
        AxlStep(
            name="publish",
            upstream=["evaluate"],
            when={
                "source": "step",
                "ref": "evaluate",
                "op": ">",
                "value": 0.9,
                "text": "evaluate > 0.9",
            },
            manifest={
                "workflow": "tests.examples_wf.conditions:Conditions",
                "step": "publish",
                "outputs": [
                    {"path": "$RUN_DIR/publish/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "conditions",
                "inputs": [
                    {
                        "name": "evaluate",
                        "path": "$RUN_DIR/evaluate/output.pkl",
                        "handler": "pickle",
                        "ref": "evaluate",
                    },
                ],
            },
        ),
        AxlStep(
            name="full_report",
            upstream=["evaluate"],
            when={
                "source": "param",
                "ref": "mode",
                "op": "==",
                "value": "full",
                "text": "mode == 'full'",
            },
            manifest={
                "workflow": "tests.examples_wf.conditions:Conditions",
                "step": "full_report",
                "outputs": [
                    {"path": "$RUN_DIR/full_report/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "conditions",
                "inputs": [
                    {
                        "name": "evaluate",
                        "path": "$RUN_DIR/evaluate/output.pkl",
                        "handler": "pickle",
                        "ref": "evaluate",
                    },
                ],
            },
        ),
        AxlStep(
            name="upload",
            upstream=["evaluate"],
            when={
                "source": "param",
                "ref": "dry_run",
                "op": "falsy",
                "value": None,
                "text": "not dry_run",
            },
            manifest={
                "workflow": "tests.examples_wf.conditions:Conditions",
                "step": "upload",
                "outputs": [
                    {"path": "$RUN_DIR/upload/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "conditions",
                "inputs": [
                    {
                        "name": "evaluate",
                        "path": "$RUN_DIR/evaluate/output.pkl",
                        "handler": "pickle",
                        "ref": "evaluate",
                    },
                ],
            },
        ),
        AxlStep(
            name="regional",
            upstream=["evaluate"],
            when={
                "source": "param",
                "ref": "region",
                "op": "in",
                "value": ["eu", "us"],
                "text": "region in ['eu', 'us']",
            },
            manifest={
                "workflow": "tests.examples_wf.conditions:Conditions",
                "step": "regional",
                "outputs": [
                    {"path": "$RUN_DIR/regional/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "conditions",
                "inputs": [
                    {
                        "name": "evaluate",
                        "path": "$RUN_DIR/evaluate/output.pkl",
                        "handler": "pickle",
                        "ref": "evaluate",
                    },
                ],
            },
        ),
        AxlStep(
            name="retried",
            upstream=["evaluate"],
            when={
                "source": "param",
                "ref": "retries",
                "op": "truthy",
                "value": None,
                "text": "params.retries",
            },
            manifest={
                "workflow": "tests.examples_wf.conditions:Conditions",
                "step": "retried",
                "outputs": [
                    {"path": "$RUN_DIR/retried/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "conditions",
                "inputs": [
                    {
                        "name": "evaluate",
                        "path": "$RUN_DIR/evaluate/output.pkl",
                        "handler": "pickle",
                        "ref": "evaluate",
                    },
                ],
            },
        ),
        AxlStep(
            name="announce",
            upstream=["publish"],
            manifest={
                "workflow": "tests.examples_wf.conditions:Conditions",
                "step": "announce",
                "outputs": [
                    {"path": "$RUN_DIR/announce/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "conditions",
                "inputs": [
                    {
                        "name": "publish",
                        "path": "$RUN_DIR/publish/output.pkl",
                        "handler": "pickle",
                        "ref": "publish",
                    },
                ],
            },
        ),
    ],
)


@dg.op(out=dg.Out(dg.Nothing))
def evaluate(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    """Pretend accuracy."""
    yield from WORKFLOW.run("evaluate", context, axl_workspace, config)


@dg.op(ins={"evaluate": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing, is_required=False))
def publish(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    yield from WORKFLOW.run("publish", context, axl_workspace, config)


@dg.op(ins={"evaluate": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing, is_required=False))
def full_report(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    yield from WORKFLOW.run("full_report", context, axl_workspace, config)


@dg.op(ins={"evaluate": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing, is_required=False))
def upload(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace, config: Params):
    yield from WORKFLOW.run("upload", context, axl_workspace, config)


@dg.op(ins={"evaluate": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing, is_required=False))
def regional(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    yield from WORKFLOW.run("regional", context, axl_workspace, config)


@dg.op(ins={"evaluate": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing, is_required=False))
def retried(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    yield from WORKFLOW.run("retried", context, axl_workspace, config)


@dg.op(ins={"publish": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def announce(
    context: dg.OpExecutionContext,
    axl_workspace: AxlWorkspace,
    config: Params,
):
    """Runs only when publish ran: a skipped step skips what depends on it."""
    yield from WORKFLOW.run("announce", context, axl_workspace, config)


@dg.config_mapping
def params_to_every_op(params: Params) -> dg.RunConfig:
    """The launchpad shows the workflow's params; every op gets them."""
    return dg.RunConfig(ops=dict.fromkeys(WORKFLOW.ops, params))


@dg.job(
    config=params_to_every_op,
    tags={"axl/workflow": "conditions", "axl/hash": "496545c0fa89"},
)
def conditions():
    """Workflow 'conditions' (tests.examples_wf.conditions:Conditions): 7 steps."""
    evaluate_done = evaluate()
    publish_done = publish(evaluate=evaluate_done)
    full_report(evaluate=evaluate_done)
    upload(evaluate=evaluate_done)
    regional(evaluate=evaluate_done)
    retried(evaluate=evaluate_done)
    announce(publish=publish_done)


defs = dg.Definitions(
    jobs=[conditions],
    resources={"axl_workspace": AxlWorkspace(folder=".axl")},
)
