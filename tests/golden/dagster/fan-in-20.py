"""Dagster job 'fan_in' of workflow 'fan-in', written by axl 0.1.0.

Workflow: tests.examples_wf.fan_in:FanIn (hash blake3:c259230e0cee9553ac2ebdeff07712511c62797ea9c33658ed55f03bb8eb742c).
Each op runs its step with axl's runner, as `axl run local` does: artifacts and
the run record go to <workspace>/runs/<Dagster run id>/. Regenerate this file
with `axl compile --target dagster` rather than edit it.

    dagster dev -f THIS_FILE
    dagster job execute -f THIS_FILE -j fan_in -c params.yaml
"""

import dagster as dg
from axl.runtime.dagster_op import AxlStep, AxlWorkflow, AxlWorkspace

WORKFLOW = AxlWorkflow(
    name="fan-in",
    ref="tests.examples_wf.fan_in:FanIn",
    hash="blake3:c259230e0cee9553ac2ebdeff07712511c62797ea9c33658ed55f03bb8eb742c",
    steps=[
        AxlStep(
            name="source",
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "source",
                "outputs": [
                    {"path": "$RUN_DIR/source/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
            },
        ),
        AxlStep(
            name="branch_00",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_00",
                "outputs": [
                    {"path": "$RUN_DIR/branch_00/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_01",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_01",
                "outputs": [
                    {"path": "$RUN_DIR/branch_01/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_02",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_02",
                "outputs": [
                    {"path": "$RUN_DIR/branch_02/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_03",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_03",
                "outputs": [
                    {"path": "$RUN_DIR/branch_03/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_04",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_04",
                "outputs": [
                    {"path": "$RUN_DIR/branch_04/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_05",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_05",
                "outputs": [
                    {"path": "$RUN_DIR/branch_05/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_06",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_06",
                "outputs": [
                    {"path": "$RUN_DIR/branch_06/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_07",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_07",
                "outputs": [
                    {"path": "$RUN_DIR/branch_07/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_08",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_08",
                "outputs": [
                    {"path": "$RUN_DIR/branch_08/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_09",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_09",
                "outputs": [
                    {"path": "$RUN_DIR/branch_09/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_10",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_10",
                "outputs": [
                    {"path": "$RUN_DIR/branch_10/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_11",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_11",
                "outputs": [
                    {"path": "$RUN_DIR/branch_11/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_12",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_12",
                "outputs": [
                    {"path": "$RUN_DIR/branch_12/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_13",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_13",
                "outputs": [
                    {"path": "$RUN_DIR/branch_13/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_14",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_14",
                "outputs": [
                    {"path": "$RUN_DIR/branch_14/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_15",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_15",
                "outputs": [
                    {"path": "$RUN_DIR/branch_15/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_16",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_16",
                "outputs": [
                    {"path": "$RUN_DIR/branch_16/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_17",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_17",
                "outputs": [
                    {"path": "$RUN_DIR/branch_17/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_18",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_18",
                "outputs": [
                    {"path": "$RUN_DIR/branch_18/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="branch_19",
            upstream=["source"],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "branch_19",
                "outputs": [
                    {"path": "$RUN_DIR/branch_19/output.pkl", "handler": "pickle"},
                ],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "source",
                        "path": "$RUN_DIR/source/output.pkl",
                        "handler": "pickle",
                        "ref": "source",
                    },
                ],
            },
        ),
        AxlStep(
            name="merge",
            upstream=[
                "branch_00",
                "branch_01",
                "branch_02",
                "branch_03",
                "branch_04",
                "branch_05",
                "branch_06",
                "branch_07",
                "branch_08",
                "branch_09",
                "branch_10",
                "branch_11",
                "branch_12",
                "branch_13",
                "branch_14",
                "branch_15",
                "branch_16",
                "branch_17",
                "branch_18",
                "branch_19",
            ],
            manifest={
                "workflow": "tests.examples_wf.fan_in:FanIn",
                "step": "merge",
                "outputs": [{"path": "$RUN_DIR/merge/output.pkl", "handler": "pickle"}],
                "workflow_name": "fan-in",
                "inputs": [
                    {
                        "name": "branch_00",
                        "path": "$RUN_DIR/branch_00/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_00",
                    },
                    {
                        "name": "branch_01",
                        "path": "$RUN_DIR/branch_01/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_01",
                    },
                    {
                        "name": "branch_02",
                        "path": "$RUN_DIR/branch_02/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_02",
                    },
                    {
                        "name": "branch_03",
                        "path": "$RUN_DIR/branch_03/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_03",
                    },
                    {
                        "name": "branch_04",
                        "path": "$RUN_DIR/branch_04/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_04",
                    },
                    {
                        "name": "branch_05",
                        "path": "$RUN_DIR/branch_05/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_05",
                    },
                    {
                        "name": "branch_06",
                        "path": "$RUN_DIR/branch_06/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_06",
                    },
                    {
                        "name": "branch_07",
                        "path": "$RUN_DIR/branch_07/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_07",
                    },
                    {
                        "name": "branch_08",
                        "path": "$RUN_DIR/branch_08/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_08",
                    },
                    {
                        "name": "branch_09",
                        "path": "$RUN_DIR/branch_09/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_09",
                    },
                    {
                        "name": "branch_10",
                        "path": "$RUN_DIR/branch_10/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_10",
                    },
                    {
                        "name": "branch_11",
                        "path": "$RUN_DIR/branch_11/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_11",
                    },
                    {
                        "name": "branch_12",
                        "path": "$RUN_DIR/branch_12/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_12",
                    },
                    {
                        "name": "branch_13",
                        "path": "$RUN_DIR/branch_13/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_13",
                    },
                    {
                        "name": "branch_14",
                        "path": "$RUN_DIR/branch_14/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_14",
                    },
                    {
                        "name": "branch_15",
                        "path": "$RUN_DIR/branch_15/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_15",
                    },
                    {
                        "name": "branch_16",
                        "path": "$RUN_DIR/branch_16/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_16",
                    },
                    {
                        "name": "branch_17",
                        "path": "$RUN_DIR/branch_17/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_17",
                    },
                    {
                        "name": "branch_18",
                        "path": "$RUN_DIR/branch_18/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_18",
                    },
                    {
                        "name": "branch_19",
                        "path": "$RUN_DIR/branch_19/output.pkl",
                        "handler": "pickle",
                        "ref": "branch_19",
                    },
                ],
            },
        ),
    ],
)


@dg.op(out=dg.Out(dg.Nothing))
def source(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("source", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_00(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_00", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_01(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_01", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_02(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_02", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_03(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_03", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_04(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_04", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_05(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_05", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_06(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_06", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_07(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_07", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_08(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_08", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_09(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_09", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_10(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_10", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_11(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_11", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_12(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_12", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_13(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_13", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_14(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_14", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_15(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_15", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_16(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_16", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_17(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_17", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_18(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_18", context, axl_workspace)


@dg.op(ins={"source": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def branch_19(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("branch_19", context, axl_workspace)


@dg.op(
    ins={
        "branch_00": dg.In(dg.Nothing),
        "branch_01": dg.In(dg.Nothing),
        "branch_02": dg.In(dg.Nothing),
        "branch_03": dg.In(dg.Nothing),
        "branch_04": dg.In(dg.Nothing),
        "branch_05": dg.In(dg.Nothing),
        "branch_06": dg.In(dg.Nothing),
        "branch_07": dg.In(dg.Nothing),
        "branch_08": dg.In(dg.Nothing),
        "branch_09": dg.In(dg.Nothing),
        "branch_10": dg.In(dg.Nothing),
        "branch_11": dg.In(dg.Nothing),
        "branch_12": dg.In(dg.Nothing),
        "branch_13": dg.In(dg.Nothing),
        "branch_14": dg.In(dg.Nothing),
        "branch_15": dg.In(dg.Nothing),
        "branch_16": dg.In(dg.Nothing),
        "branch_17": dg.In(dg.Nothing),
        "branch_18": dg.In(dg.Nothing),
        "branch_19": dg.In(dg.Nothing),
    },
    out=dg.Out(dg.Nothing),
)
def merge(context: dg.OpExecutionContext, axl_workspace: AxlWorkspace):
    yield from WORKFLOW.run("merge", context, axl_workspace)


@dg.config_mapping(config_schema={})
def params_to_every_op(config: dict) -> dict:
    """The workflow has no params: the launchpad asks for none."""
    return {}


@dg.job(
    config=params_to_every_op,
    tags={"axl/workflow": "fan-in", "axl/hash": "c259230e0cee"},
)
def fan_in():
    """Workflow 'fan-in' (tests.examples_wf.fan_in:FanIn): 22 steps."""
    source_done = source()
    branch_00_done = branch_00(source=source_done)
    branch_01_done = branch_01(source=source_done)
    branch_02_done = branch_02(source=source_done)
    branch_03_done = branch_03(source=source_done)
    branch_04_done = branch_04(source=source_done)
    branch_05_done = branch_05(source=source_done)
    branch_06_done = branch_06(source=source_done)
    branch_07_done = branch_07(source=source_done)
    branch_08_done = branch_08(source=source_done)
    branch_09_done = branch_09(source=source_done)
    branch_10_done = branch_10(source=source_done)
    branch_11_done = branch_11(source=source_done)
    branch_12_done = branch_12(source=source_done)
    branch_13_done = branch_13(source=source_done)
    branch_14_done = branch_14(source=source_done)
    branch_15_done = branch_15(source=source_done)
    branch_16_done = branch_16(source=source_done)
    branch_17_done = branch_17(source=source_done)
    branch_18_done = branch_18(source=source_done)
    branch_19_done = branch_19(source=source_done)
    merge(
        branch_00=branch_00_done,
        branch_01=branch_01_done,
        branch_02=branch_02_done,
        branch_03=branch_03_done,
        branch_04=branch_04_done,
        branch_05=branch_05_done,
        branch_06=branch_06_done,
        branch_07=branch_07_done,
        branch_08=branch_08_done,
        branch_09=branch_09_done,
        branch_10=branch_10_done,
        branch_11=branch_11_done,
        branch_12=branch_12_done,
        branch_13=branch_13_done,
        branch_14=branch_14_done,
        branch_15=branch_15_done,
        branch_16=branch_16_done,
        branch_17=branch_17_done,
        branch_18=branch_18_done,
        branch_19=branch_19_done,
    )


defs = dg.Definitions(
    jobs=[fan_in],
    resources={"axl_workspace": AxlWorkspace(folder=".axl")},
)
