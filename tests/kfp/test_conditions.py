"""``when`` on KFP: condition sub-DAGs that nest as the conditions do, in CEL KFP evaluates."""

from __future__ import annotations

import json
from typing import Any

import pytest

from axl.compiler.kfp import KfpOptionsError, compile
from axl.compiler.kfp.cel import expression
from axl.compiler.kfp.checks import structure_errors
from axl.ir import IRCondition, build_ir
from axl.runtime.kfp_mode import write_executor_output
from axl.runtime.outputs import OutputInfo
from tests.examples_wf.conditions import Conditions
from tests.kfp.condition_workflows import CrossConditions, Nested
from tests.kfp.helpers import tasks


def dag_of(doc: dict[str, Any], *groups: str) -> dict[str, Any]:
    """The tasks of the sub-DAG reached through ``groups`` (the root DAG with none)."""
    dag = doc["root"]["dag"]
    for group in groups:
        dag = doc["components"][dag["tasks"][group]["componentRef"]["name"]]["dag"]
    result: dict[str, Any] = dag["tasks"]
    return result


def test_a_conditional_step_and_what_depends_on_it_share_a_sub_dag():
    doc = compile(build_ir(Conditions))
    assert structure_errors(doc) == []
    root = tasks(doc)
    assert set(root) == {"evaluate", *(f"condition-{i}" for i in range(1, 6))}
    group = root["condition-1"]
    assert group["triggerPolicy"] == {
        "condition": "inputs.parameter_values['pipelinechannel--evaluate-Output'] > 0.9"
    }
    assert group["dependentTasks"] == ["evaluate"]
    assert group["inputs"]["parameters"]["pipelinechannel--evaluate-Output"] == {
        "taskOutputParameter": {"producerTask": "evaluate", "outputParameterKey": "Output"}
    }
    inner = dag_of(doc, "condition-1")
    assert set(inner) == {"publish", "announce"}  # announce is skipped with publish
    assert inner["announce"]["dependentTasks"] == ["publish"]
    assert inner["publish"]["inputs"]["artifacts"]["evaluate"] == {
        "componentInputArtifact": "pipelinechannel--evaluate-output"
    }
    evaluate = doc["components"]["comp-evaluate"]["outputDefinitions"]["parameters"]
    assert evaluate == {"Output": {"parameterType": "NUMBER_DOUBLE"}}


def test_param_conditions_in_cel_typed_as_the_params():
    doc = compile(build_ir(Conditions))
    conditions = {
        _opener(dag_of(doc, name)): task["triggerPolicy"]["condition"]
        for name, task in tasks(doc).items()
        if "triggerPolicy" in task
    }
    assert conditions == {
        "publish": "inputs.parameter_values['pipelinechannel--evaluate-Output'] > 0.9",
        "full-report": "inputs.parameter_values['mode'] == 'full'",
        "upload": "inputs.parameter_values['dry_run'] == false",
        "regional": "inputs.parameter_values['region'] in ['eu', 'us']",
        "retried": "int(inputs.parameter_values['retries']) != 0",
    }
    component = doc["components"]["comp-condition-2"]["inputDefinitions"]["parameters"]
    assert component["mode"] == {"parameterType": "STRING"}
    assert component["retries"] == {"parameterType": "NUMBER_INTEGER"}


def _opener(dag: dict[str, Any]) -> str:
    """The task of a sub-DAG that waits for nothing else in it: the step the condition is on."""
    (first,) = [name for name, task in dag.items() if not task.get("dependentTasks")]
    return first


def test_conditions_nest_and_hand_down_what_inner_tasks_read():
    doc = compile(build_ir(Nested))
    assert structure_errors(doc) == []
    root = tasks(doc)
    assert set(root) == {"score", "label", "summary", "condition-1"}
    assert set(dag_of(doc, "condition-1")) == {"publish", "archive", "condition-2"}
    assert set(dag_of(doc, "condition-1", "condition-2")) == {"promote", "condition-3"}
    assert set(dag_of(doc, "condition-1", "condition-2", "condition-3")) == {"deep"}
    # label's value crosses condition-1 to reach condition-2's condition
    level1 = dag_of(doc, "condition-1")["condition-2"]
    assert level1["triggerPolicy"]["condition"] == (
        "inputs.parameter_values['pipelinechannel--label-Output'] == 'gold'"
    )
    assert level1["inputs"]["parameters"]["pipelinechannel--label-Output"] == {
        "componentInputParameter": "pipelinechannel--label-Output"
    }
    assert root["condition-1"]["dependentTasks"] == ["label", "score"]
    # score's artifact reaches deep three levels down, each level handing it on
    deep = dag_of(doc, "condition-1", "condition-2", "condition-3")["deep"]
    assert deep["inputs"]["artifacts"]["score"] == {
        "componentInputArtifact": "pipelinechannel--score-output"
    }
    level2 = dag_of(doc, "condition-1", "condition-2")["condition-3"]
    assert level2["inputs"]["artifacts"]["pipelinechannel--score-output"] == {
        "componentInputArtifact": "pipelinechannel--score-output"
    }
    assert level2["inputs"]["artifacts"]["pipelinechannel--promote-output"] == {
        "taskOutputArtifact": {"producerTask": "promote", "outputArtifactKey": "output"}
    }
    assert level2["triggerPolicy"]["condition"] == "int(inputs.parameter_values['depth']) >= 2"


def test_steps_under_conditions_that_do_not_nest_are_refused_by_name():
    with pytest.raises(KfpOptionsError, match="step 'join' reads 'left' and 'right'") as caught:
        compile(build_ir(CrossConditions))
    assert "--target argo" in str(caught.value.hint)


def condition(op: str, value: Any = None) -> IRCondition:
    return IRCondition(source="param", ref="x", op=op, value=value, text=f"x {op} {value!r}")


@pytest.mark.parametrize(
    ("op", "value", "kind", "text"),
    [
        ("==", "it's", "STRING", r"x == 'it\'s'"),
        ("!=", 3, "NUMBER_INTEGER", "int(x) != 3"),
        (">", 1, "NUMBER_DOUBLE", "x > 1.0"),
        ("<=", 2.5, "NUMBER_INTEGER", "int(x) <= 2.5"),
        ("==", True, "BOOLEAN", "x == true"),
        ("==", None, "STRING", "x == null"),
        ("in", [1, 2], "NUMBER_INTEGER", "int(x) in [1, 2]"),
        ("not in", ["a"], "STRING", "!(x in ['a'])"),
        ("truthy", None, "STRING", "x != ''"),
        ("falsy", None, "NUMBER_DOUBLE", "x == 0.0"),
        ("truthy", None, "BOOLEAN", "x != false"),
    ],
)
def test_cel_of_each_operator_and_type(op, value, kind, text):
    cel = expression(condition(op, value), kind, "x")
    assert cel == text.replace("x", "inputs.parameter_values['x']", 1)


def test_what_cel_cannot_say_is_refused():
    with pytest.raises(KfpOptionsError, match="cannot express the truth of a list value"):
        expression(condition("truthy"), "LIST", "x")
    with pytest.raises(KfpOptionsError, match="cannot express the number inf"):
        expression(condition(">", float("inf")), "NUMBER_DOUBLE", "x")


def test_a_value_read_by_a_when_without_an_annotation_takes_the_literals_type():
    from axl import Workflow, step

    class Loose(Workflow):
        name = "loose"

        @step
        def size(self):  # type: ignore[no-untyped-def]
            return 3

        @step(when="size > 2")
        def big(self, size) -> int:  # type: ignore[no-untyped-def]
            return int(size)

        @step(when="size")
        def any_size(self, size) -> int:  # type: ignore[no-untyped-def]
            return 1

        outputs = ("big", "any_size")

    doc = compile(build_ir(Loose))
    value = doc["components"]["comp-size"]["outputDefinitions"]["parameters"]["Output"]
    assert value == {"parameterType": "NUMBER_DOUBLE"}

    class Truthy(Workflow):
        name = "truthy"

        @step
        def size(self):  # type: ignore[no-untyped-def]
            return 3

        @step(when="size")
        def any_size(self, size) -> int:  # type: ignore[no-untyped-def]
            return 1

        outputs = ("any_size",)

    with pytest.raises(KfpOptionsError, match="annotate the step's return type") as caught:
        compile(build_ir(Truthy))
    assert "step 'size': a when= reads its value" in str(caught.value)


@pytest.mark.parametrize(
    ("written", "file_text", "registered"),
    [('"gold"', "gold", "gold"), ("0.95", "0.95", 0.95), ("true", "true", True)],
)
def test_the_runner_writes_the_value_as_kfp_reads_it(tmp_path, written, file_text, registered):
    value_file = tmp_path / "value"
    value_file.write_text(written)
    out = tmp_path / "output"
    executor_input = {
        "outputs": {
            "artifacts": {"output": {"artifacts": [{"name": "output", "uri": str(out)}]}},
            "parameters": {"Output": {"outputFile": str(value_file)}},
            "outputFile": str(tmp_path / "executor_output.json"),
        }
    }
    info = OutputInfo(
        name="output", path=str(out / "output.pkl"), handler="pickle", digest="blake3:00",
        size=1, python_type="builtins.str",
    )  # fmt: skip
    write_executor_output(executor_input, [info])
    assert value_file.read_text() == file_text  # KFP reads text as is, anything else as JSON
    document = json.loads((tmp_path / "executor_output.json").read_text())
    assert document["parameterValues"] == {"Output": registered}
