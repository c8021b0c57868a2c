"""The schema check: unknown fields at any depth, types, IntOrString, CRD name patterns, limits."""

from __future__ import annotations

import pytest

from axl.compiler.argo.lint import Finding, lint_document
from tests.lint.documents import big_workflow, pipeline, task, workflow


def errors(doc):
    return [(f.path, f.rule, f.message) for f in lint_document(doc) if f.severity == "error"]


def test_pipeline_is_clean():
    assert lint_document(pipeline()) == []


@pytest.mark.parametrize(
    ("where", "path"),
    [
        (lambda d: d, "colour"),
        (lambda d: d["spec"], "spec.colour"),
        (lambda d: d["spec"]["templates"][1], "spec.templates[1].colour"),
        (lambda d: d["spec"]["templates"][1]["container"], "spec.templates[1].container.colour"),
        (lambda d: task(d, "consume"), "spec.templates[0].dag.tasks[1].colour"),
        (
            lambda d: task(d, "consume")["arguments"]["artifacts"][0],
            "spec.templates[0].dag.tasks[1].arguments.artifacts[0].colour",
        ),
        (
            lambda d: d["spec"]["templates"][1]["outputs"]["parameters"][0]["valueFrom"],
            "spec.templates[1].outputs.parameters[0].valueFrom.colour",
        ),
    ],
    ids=["root", "spec", "template", "container", "task", "task-artifact", "value-from"],
)
def test_unknown_field_is_reported_at_its_path(where, path):
    doc = pipeline()
    where(doc)["colour"] = "blue"
    assert errors(doc) == [(path, "unknown-field", "unknown field 'colour'")]


def test_unknown_field_suggests_the_close_one():
    doc = pipeline()
    task(doc, "report")["dependss"] = task(doc, "report").pop("depends")
    assert errors(doc) == [
        (
            "spec.templates[0].dag.tasks[2].dependss",
            "unknown-field",
            "unknown field 'dependss' (did you mean 'depends'?)",
        )
    ]


def test_fields_argo_keeps_as_they_are_accept_anything():
    doc = pipeline()
    task(doc, "report")["withItems"] = [{"any": {"shape": [1, 2]}}, "x", 3]
    assert errors(doc) == []


def test_wrong_type_and_missing_required_field():
    doc = pipeline()
    doc["spec"]["templates"][1]["container"]["args"] = "true"
    del task(doc, "report")["name"]
    assert errors(doc) == [
        (
            "spec.templates[0].dag.tasks[2].name",
            "missing-field",
            "required field 'name' is missing",
        ),
        ("spec.templates[1].container.args", "wrong-type", "must be of type array, not string"),
    ]


def test_int_or_string_takes_integers_but_not_floats():
    doc = pipeline()
    doc["spec"]["templates"][1]["retryStrategy"] = {"limit": 10}
    doc["spec"]["activeDeadlineSeconds"] = 10
    assert errors(doc) == []
    doc["spec"]["templates"][1]["retryStrategy"] = {"limit": 2.5}
    assert errors(doc) == [
        (
            "spec.templates[1].retryStrategy.limit",
            "wrong-type",
            "must be of type integer or string, not number",
        )
    ]


def test_crd_name_patterns():
    doc = pipeline()
    doc["spec"]["templates"][3]["name"] = "re_port"
    task(doc, "report")["template"] = "re_port"
    doc["spec"]["arguments"]["parameters"][0]["name"] = "greet ing"
    found = errors(doc)
    assert (
        "spec.templates[3].name",
        "invalid-name",
        "'re_port' is invalid: use letters, digits and '-', starting with a letter or digit "
        "(pattern ^[a-zA-Z0-9][-a-zA-Z0-9]*$)",
    ) in found
    assert (
        "spec.arguments.parameters[0].name",
        "invalid-name",
        "'greet ing' is invalid: use letters, digits, '-' and '_' (pattern ^[-a-zA-Z0-9_]+$)",
    ) in found


def test_template_name_over_128_characters():
    doc = pipeline()
    long = "r" * 129
    doc["spec"]["templates"][3]["name"] = long
    task(doc, "report")["template"] = long
    assert errors(doc) == [
        (
            "spec.templates[3].name",
            "invalid-name",
            f"'{'r' * 56}... is 129 characters long; at most 128 are allowed",
        )
    ]


def test_enum_and_const():
    doc = pipeline()
    doc["apiVersion"] = "argoproj.io/v1alpha1"
    doc["spec"]["templates"][1]["retryStrategy"] = {"retryPolicy": "Sometimes"}
    assert errors(doc) == [
        (
            "spec.templates[1].retryStrategy.retryPolicy",
            "invalid-value",
            "'Sometimes' is not one of: Always, OnFailure, OnError, OnTransientError",
        )
    ]


def test_crd_item_limits_are_warnings():
    found = lint_document(big_workflow(201))
    assert found == [
        Finding(
            "spec.templates",
            "crd-limit",
            "202 items: a cluster with Argo's full CRDs installed rejects more than 200 "
            "(the minimal CRDs accept any number)",
            "warning",
        ),
        Finding(
            "spec.templates[0].dag.tasks",
            "crd-limit",
            "201 items: a cluster with Argo's full CRDs installed rejects more than 200 "
            "(the minimal CRDs accept any number)",
            "warning",
        ),
    ]


def test_other_kinds_and_versions_are_refused():
    binding = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowEventBinding"}
    assert lint_document(binding) == [
        Finding(
            "kind",
            "kind",
            "kind 'WorkflowEventBinding' is not supported: axl lints Workflow, WorkflowTemplate, "
            "ClusterWorkflowTemplate, CronWorkflow",
        )
    ]
    doc = workflow()
    doc["apiVersion"] = "argoproj.io/v1"
    assert [(f.path, f.message) for f in lint_document(doc)] == [
        (
            "apiVersion",
            "apiVersion must be 'argoproj.io/v1alpha1' for an Argo Workflow, not 'argoproj.io/v1'",
        )
    ]
    assert [f.message for f in lint_document(["not", "a", "mapping"])] == [  # type: ignore[arg-type]
        "a document must be a mapping (an Argo resource), not list"
    ]


def test_template_defaults_complete_the_containers():
    doc = pipeline()
    del doc["spec"]["templates"][3]["container"]["image"]
    assert errors(doc) == [
        (
            "spec.templates[3].container.image",
            "missing-field",
            "required field 'image' is missing",
        )
    ]
    doc["spec"]["templateDefaults"] = {"container": {"image": "busybox"}}
    assert errors(doc) == []
