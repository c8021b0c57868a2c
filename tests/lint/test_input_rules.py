"""Required inputs are supplied, arguments have values, artifacts have paths and sources."""

from __future__ import annotations

from tests.lint.documents import container, findings, pipeline, task, workflow


def test_required_input_parameter_not_supplied():
    doc = pipeline()
    task(doc, "consume")["arguments"]["parameters"].pop(1)
    assert findings(doc) == [
        (
            "spec.templates[0].dag.tasks[1]",
            "missing-input",
            "task 'consume' does not pass input parameter 'greeting', which template "
            "'consume' requires (it has no value or default)",
        )
    ]


def test_input_with_a_default_or_value_needs_no_argument():
    doc = pipeline()
    task(doc, "consume")["arguments"]["parameters"] = []
    inputs = doc["spec"]["templates"][2]["inputs"]["parameters"]
    inputs[0]["default"] = "0"
    inputs[1]["value"] = "hi"
    assert findings(doc) == []


def test_required_input_artifact_not_supplied():
    doc = pipeline()
    del task(doc, "consume")["arguments"]["artifacts"]
    assert findings(doc) == [
        (
            "spec.templates[0].dag.tasks[1]",
            "missing-input",
            "task 'consume' does not pass input artifact 'data', which template 'consume' "
            "requires (it is not optional and has no location)",
        )
    ]
    doc["spec"]["templates"][2]["inputs"]["artifacts"][0]["optional"] = True
    assert findings(doc) == []


def test_entrypoint_inputs_come_from_the_workflow_arguments():
    doc = workflow(container("main", inputs={"parameters": [{"name": "message"}]}))
    assert findings(doc) == [
        (
            "spec.arguments",
            "missing-input",
            "spec.arguments (the entrypoint) does not pass input parameter 'message', which "
            "template 'main' requires (it has no value or default)",
        )
    ]
    doc["spec"]["arguments"] = {"parameters": [{"name": "message", "value": "hi"}]}
    assert findings(doc) == []


def test_a_workflow_template_leaves_entrypoint_inputs_to_its_callers():
    doc = workflow(
        container("main", inputs={"parameters": [{"name": "message"}]}),
        kind="WorkflowTemplate",
    )
    assert findings(doc) == []


def test_arguments_need_values():
    doc = pipeline()
    del task(doc, "consume")["arguments"]["parameters"][1]["value"]
    del task(doc, "consume")["arguments"]["artifacts"][0]["from"]
    assert findings(doc) == [
        (
            "spec.templates[0].dag.tasks[1].arguments.parameters[1]",
            "missing-value",
            "task 'consume' passes parameter 'greeting' without a value",
        ),
        (
            "spec.templates[0].dag.tasks[1].arguments.artifacts[0]",
            "missing-value",
            "task 'consume' passes artifact 'data' without from, fromExpression or a location",
        ),
    ]


def test_workflow_parameter_value_in_its_enum():
    doc = pipeline()
    doc["spec"]["arguments"]["parameters"][0]["enum"] = ["hi", "hey"]
    assert findings(doc) == [
        (
            "spec.arguments.parameters[0].value",
            "invalid-value",
            "workflow parameter 'greeting' is 'hello', not one of its enum: hi, hey",
        )
    ]


def test_container_artifacts_need_a_path():
    doc = pipeline()
    del doc["spec"]["templates"][1]["outputs"]["artifacts"][0]["path"]
    assert findings(doc) == [
        (
            "spec.templates[1].outputs.artifacts[0]",
            "artifact-path",
            "output artifact 'data' of template 'produce' needs a path (where the container "
            "reads or writes it)",
        )
    ]


def test_dag_output_artifacts_need_a_source_and_no_path():
    doc = pipeline()
    doc["spec"]["templates"][0]["outputs"] = {
        "artifacts": [{"name": "a"}, {"name": "b", "path": "/b"}]
    }
    assert findings(doc) == [
        (
            "spec.templates[0].outputs.artifacts[0]",
            "artifact-path",
            "output artifact 'a' of template 'main' needs from or fromExpression (which "
            "task's artifact it is)",
        ),
        (
            "spec.templates[0].outputs.artifacts[1].path",
            "artifact-path",
            "output artifact 'b': a path is only valid in container and script templates, "
            "not in dag templates",
        ),
    ]


def test_output_parameters_need_one_source_that_fits_the_template():
    doc = pipeline()
    doc["spec"]["templates"][1]["outputs"]["parameters"] += [
        {"name": "a"},
        {"name": "b", "valueFrom": {"path": "/b", "parameter": "x"}},
        {"name": "c", "valueFrom": {"parameter": "x"}},
        {"name": "d", "value": "1", "valueFrom": {"path": "/d"}},
        {"name": "e", "valueFrom": {"path": "/e", "default": "0"}},
        {"name": "f", "value": "1"},
    ]
    prefix = "output parameter"
    assert findings(doc) == [
        (
            "spec.templates[1].outputs.parameters[1]",
            "output-parameter",
            f"{prefix} 'a' of template 'produce': set value or valueFrom",
        ),
        (
            "spec.templates[1].outputs.parameters[2]",
            "output-parameter",
            f"{prefix} 'b' of template 'produce': valueFrom names 2 sources (path, parameter); "
            "keep one",
        ),
        (
            "spec.templates[1].outputs.parameters[3]",
            "output-parameter",
            f"{prefix} 'c' of template 'produce': a container template takes valueFrom.path",
        ),
        (
            "spec.templates[1].outputs.parameters[4]",
            "output-parameter",
            f"{prefix} 'd' of template 'produce': set value or valueFrom, not both",
        ),
    ]
