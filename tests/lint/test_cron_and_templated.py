"""CronWorkflows are linted like Workflows; names Argo fills in at run time are not checked."""

from __future__ import annotations

from axl.compiler.argo.lint import lint_document
from tests.lint.documents import container, findings, pipeline


def cron(name: str = "nightly", **spec) -> dict:
    inner = pipeline()["spec"]
    body = {"schedules": ["0 3 * * *"], "workflowSpec": inner, **spec}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": name},
        "spec": body,
    }


def test_a_valid_cron_workflow_is_clean():
    assert lint_document(cron()) == []


def test_its_workflow_spec_gets_the_workflow_rules_with_its_own_paths():
    doc = cron()
    doc["spec"]["workflowSpec"]["entrypoint"] = "missing"
    doc["spec"]["workflowSpec"]["templates"][0]["dag"]["tasks"][1]["depends"] = "nowhere"
    assert [(p, r) for p, r, _ in findings(doc)] == [
        ("spec.workflowSpec.entrypoint", "entrypoint"),
        ("spec.workflowSpec.templates[0].dag.tasks[1].depends", "dag-dependency"),
        (
            "spec.workflowSpec.templates[0].dag.tasks[1].arguments.parameters[0].value",
            "missing-dependency",
        ),
        (
            "spec.workflowSpec.templates[0].dag.tasks[1].arguments.artifacts[0].from",
            "missing-dependency",
        ),
    ]


def test_its_schema_errors_point_into_the_workflow_spec():
    doc = cron()
    doc["spec"]["workflowSpec"]["templates"][1]["container"]["imagePullPolicy"] = 3
    doc["spec"]["bogus"] = True
    assert [(p, r) for p, r, _ in findings(doc)] == [
        ("spec.bogus", "unknown-field"),
        ("spec.workflowSpec.templates[1].container.imagePullPolicy", "wrong-type"),
    ]


def test_its_name_has_at_most_52_characters():
    assert lint_document(cron("n" * 52)) == []
    assert findings(cron("n" * 53)) == [
        (
            "metadata.name",
            "invalid-name",
            f"{'n' * 53!r} is 53 characters long; Argo allows a CronWorkflow at most 52 "
            "(it adds an 11-character suffix to name each Workflow it starts)",
        )
    ]


def test_argo_4_schedules_only():
    doc = cron()
    del doc["spec"]["schedules"]
    doc["spec"]["schedule"] = "0 3 * * *"
    assert lint_document(doc, argo_version="3.7") == []
    assert [(p, r) for p, r, _ in findings(doc, argo_version="4.1")] == [
        ("spec.schedules", "missing-field"),
        ("spec.schedule", "unknown-field"),
    ]


def _mounting(name: str) -> dict:
    doc = pipeline()
    template = container(
        "mount",
        inputs={"parameters": [{"name": "vol"}]},
        container={
            "image": "busybox",
            "volumeMounts": [{"name": name, "mountPath": "/data"}],
        },
    )
    doc["spec"]["templates"].append(template)
    return doc


def test_a_templated_volume_name_is_not_checked_as_a_literal_name():
    assert findings(_mounting("{{inputs.parameters.vol}}"), strict_names=True) == []
    assert [r for _, r, _ in findings(_mounting("nowhere"))] == ["volume-mount"]


def test_templated_template_and_parameter_names_are_left_to_argo():
    doc = pipeline()
    doc["spec"]["templates"][3]["name"] = "{{workflow.parameters.greeting}}-report"
    doc["spec"]["templates"][0]["dag"]["tasks"][2]["template"] = doc["spec"]["templates"][3]["name"]
    doc["spec"]["templates"][2]["inputs"]["parameters"].append({"name": "{{item}}"})
    names = [f for f in findings(doc, strict_names=True) if f[1] in ("invalid-name", "strict-name")]
    assert names == []
    doc["spec"]["templates"][2]["inputs"]["parameters"].append({"name": "not valid"})
    assert [p for p, r, _ in findings(doc) if r == "invalid-name"] == [
        "spec.templates[2].inputs.parameters[3].name"
    ]
