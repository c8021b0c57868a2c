"""``{{...}}`` references resolve where Argo resolves them, and unknown forms are left alone."""

from __future__ import annotations

from axl.compiler.argo.lint import Finding, lint_document
from tests.lint.documents import container, findings, pipeline, task, workflow

CONSUME_ARGS = "spec.templates[0].dag.tasks[1].arguments"


def test_unresolved_artifact_reference():
    doc = pipeline()
    task(doc, "consume")["arguments"]["artifacts"][0]["from"] = (
        "{{tasks.produce.outputs.artifacts.dta}}"
    )
    assert findings(doc) == [
        (
            f"{CONSUME_ARGS}.artifacts[0].from",
            "unresolved-reference",
            "{{tasks.produce.outputs.artifacts.dta}} does not resolve: task 'produce' runs "
            "template 'produce', which declares no output artifact 'dta' (did you mean 'data'?)",
        )
    ]


def test_reference_to_a_task_that_does_not_exist():
    doc = pipeline()
    task(doc, "consume")["arguments"]["parameters"][0]["value"] = (
        "{{tasks.prod.outputs.parameters.count}}"
    )
    assert findings(doc) == [
        (
            f"{CONSUME_ARGS}.parameters[0].value",
            "unresolved-reference",
            "{{tasks.prod.outputs.parameters.count}} does not resolve: template 'main' has no "
            "task 'prod' (did you mean 'produce'?)",
        )
    ]


def test_reference_to_a_task_it_does_not_depend_on():
    doc = pipeline()
    del task(doc, "consume")["depends"]
    assert findings(doc)[0] == (
        f"{CONSUME_ARGS}.parameters[0].value",
        "missing-dependency",
        "task 'consume' uses {{tasks.produce.outputs.parameters.count}} but does not depend "
        "on task 'produce': add it to depends (or dependencies)",
    )


def test_an_indirect_dependency_is_enough():
    doc = pipeline()
    task(doc, "report")["arguments"] = {
        "parameters": [{"name": "n", "value": "{{tasks.produce.outputs.parameters.count}}"}]
    }
    doc["spec"]["templates"][3]["inputs"] = {"parameters": [{"name": "n"}]}
    assert findings(doc) == []


def test_unresolved_workflow_parameter():
    doc = pipeline()
    doc["spec"]["arguments"]["parameters"][0]["name"] = "greet"
    assert findings(doc) == [
        (
            f"{CONSUME_ARGS}.parameters[1].value",
            "unresolved-reference",
            "{{workflow.parameters.greeting}} does not resolve: spec.arguments.parameters "
            "declares no 'greeting' (did you mean 'greet'?)",
        )
    ]


def test_undeclared_workflow_parameter_in_a_template_is_a_warning():
    doc = pipeline()
    doc["kind"] = "WorkflowTemplate"
    doc["metadata"] = {"name": "pipeline"}
    del doc["spec"]["arguments"]
    assert lint_document(doc) == [
        Finding(
            f"{CONSUME_ARGS}.parameters[1].value",
            "unresolved-reference",
            "{{workflow.parameters.greeting}}: spec.arguments.parameters declares no "
            "'greeting', so every Workflow that runs this template must pass it",
            "warning",
        )
    ]


def test_unresolved_input_references():
    doc = pipeline()
    doc["spec"]["templates"][2]["container"]["args"] = [
        "{{inputs.parameters.cnt}} {{inputs.artifacts.data.path}} {{inputs.artifacts.dat.path}}"
    ]
    assert findings(doc) == [
        (
            "spec.templates[2].container.args[0]",
            "unresolved-reference",
            "{{inputs.parameters.cnt}} does not resolve: template 'consume' declares no input "
            "parameter 'cnt' (did you mean 'count'?)",
        ),
        (
            "spec.templates[2].container.args[0]",
            "unresolved-reference",
            "{{inputs.artifacts.dat.path}} does not resolve: template 'consume' declares no "
            "input artifact 'dat' (did you mean 'data'?)",
        ),
    ]


def test_task_reference_inside_a_container_template():
    doc = pipeline()
    doc["spec"]["templates"][3]["container"]["args"] = ["{{tasks.produce.outputs.result}}"]
    assert findings(doc) == [
        (
            "spec.templates[3].container.args[0]",
            "unresolved-reference",
            "{{tasks.produce.outputs.result}} does not resolve in template 'report': a "
            "container template sees no tasks; pass the value in as an input",
        )
    ]


def test_other_forms_and_expressions_are_left_alone():
    doc = pipeline()
    doc["spec"]["templates"][3]["container"]["args"] = [
        "{{workflow.name}} {{pod.name}} {{retries}} {{item.x}} {{=inputs.parameters.nope}}",
        "{{ workflow.uid }} {{outputs.parameters.x}} {{workflow.parameters.json}} {{tasks.name}}",
    ]
    assert findings(doc) == []


def steps_doc():
    return workflow(
        {
            "name": "main",
            "steps": [
                [{"name": "make", "template": "make"}],
                [
                    {
                        "name": "use",
                        "template": "use",
                        "arguments": {
                            "artifacts": [
                                {"name": "a", "from": "{{steps.make.outputs.artifacts.a}}"}
                            ]
                        },
                        "when": "{{steps.make.status}} == Succeeded",
                    }
                ],
            ],
        },
        container("make", outputs={"artifacts": [{"name": "a", "path": "/a"}]}),
        container("use", inputs={"artifacts": [{"name": "a", "path": "/a"}]}),
    )


def test_steps_references():
    assert findings(steps_doc()) == []
    doc = steps_doc()
    groups = doc["spec"]["templates"][0]["steps"]
    groups[0].append(groups.pop(1)[0])  # "use" now runs beside "make"
    assert findings(doc) == [
        (
            "spec.templates[0].steps[0][1].arguments.artifacts[0].from",
            "unresolved-reference",
            "{{steps.make.outputs.artifacts.a}} does not resolve: step 'make' runs in group 0, "
            "not before this step (group 0)",
        )
    ]


def test_step_output_that_is_not_declared():
    doc = steps_doc()
    doc["spec"]["templates"][1]["outputs"]["artifacts"][0]["name"] = "b"
    assert findings(doc) == [
        (
            "spec.templates[0].steps[1][0].arguments.artifacts[0].from",
            "unresolved-reference",
            "{{steps.make.outputs.artifacts.a}} does not resolve: step 'make' runs template "
            "'make', which declares no output artifact 'a'",
        )
    ]


def test_dag_outputs_may_use_any_task():
    doc = pipeline()
    doc["spec"]["templates"][0]["outputs"] = {
        "artifacts": [{"name": "final", "from": "{{tasks.produce.outputs.artifacts.data}}"}],
        "parameters": [
            {"name": "n", "valueFrom": {"parameter": "{{tasks.produce.outputs.parameters.cnt}}"}}
        ],
    }
    assert findings(doc) == [
        (
            "spec.templates[0].outputs.parameters[0].valueFrom.parameter",
            "unresolved-reference",
            "{{tasks.produce.outputs.parameters.cnt}} does not resolve: task 'produce' runs "
            "template 'produce', which declares no output parameter 'cnt' (did you mean 'count'?)",
        )
    ]


def test_template_ref_outputs_are_not_checked():
    doc = pipeline()
    produce = task(doc, "produce")
    del produce["template"]
    produce["templateRef"] = {"name": "library", "template": "produce"}
    task(doc, "consume")["arguments"]["artifacts"][0]["from"] = (
        "{{tasks.produce.outputs.artifacts.x}}"
    )
    assert findings(doc) == []
