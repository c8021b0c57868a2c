"""Names: unique, valid object names, and the opt-in strict DNS-1123 rule axl's compiler uses."""

from __future__ import annotations

import pytest

from tests.lint.documents import findings, pipeline, task


def rename_report(doc, name):
    report = next(
        t
        for t in doc["spec"]["templates"][0]["dag"]["tasks"]
        if t["template"] == doc["spec"]["templates"][3]["name"]
    )
    doc["spec"]["templates"][3]["name"] = name
    report.update(template=name, name=name)


def test_strict_names_are_off_by_default():
    doc = pipeline()
    rename_report(doc, "Report-" + "x" * 70)
    assert findings(doc) == []


def test_strict_names_flag_names_over_63_characters():
    doc = pipeline()
    long = "report-" + "x" * 57
    rename_report(doc, long)
    assert findings(doc, strict_names=True) == [
        (
            "spec.templates[3].name",
            "strict-name",
            f"template name {long!r} is 64 characters long; at most 63 allowed",
        ),
        (
            "spec.templates[0].dag.tasks[2].name",
            "strict-name",
            f"task name {long!r} is 64 characters long; at most 63 allowed",
        ),
    ]
    rename_report(doc, long[:63])
    assert findings(doc, strict_names=True) == []


@pytest.mark.parametrize("name", ["Report", "re_port", "7report", "report-", "re.port"])
def test_strict_names_want_dns_labels_starting_with_a_letter(name):
    doc = pipeline()
    doc["spec"]["arguments"]["parameters"][0]["name"] = name
    task(doc, "consume")["arguments"]["parameters"][1]["value"] = (
        f"{{{{workflow.parameters.{name}}}}}"
    )
    assert (
        "spec.arguments.parameters[0].name",
        "strict-name",
        f"workflow parameter name {name!r} is not a DNS-1123 label starting with a letter "
        "(lower-case letters, digits and '-')",
    ) in findings(doc, strict_names=True)


def test_strict_names_check_metadata():
    doc = pipeline()
    doc["metadata"] = {"generateName": "Demo_"}
    assert findings(doc, strict_names=True) == [
        (
            "metadata.generateName",
            "strict-name",
            "'Demo_' must start with a lower-case letter and hold only lower-case letters, "
            "digits and '-'",
        )
    ]


def test_object_name_is_a_kubernetes_name_of_at_most_63_characters():
    doc = pipeline()
    doc["metadata"] = {"name": "Demo"}
    assert findings(doc) == [
        (
            "metadata.name",
            "invalid-name",
            "'Demo' is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.', "
            "starting and ending with a letter or digit",
        )
    ]
    doc["metadata"] = {"name": "d" * 64}
    assert findings(doc) == [
        (
            "metadata.name",
            "invalid-name",
            f"'{'d' * 64}' is 64 characters long; Argo allows at most 63 (it becomes a label value)",
        )
    ]
    doc["metadata"] = {}
    assert findings(doc) == [
        ("metadata", "missing-field", "metadata needs a name (or a generateName for a Workflow)")
    ]


def test_duplicate_names():
    doc = pipeline()
    doc["spec"]["templates"][3]["name"] = "consume"
    task(doc, "report")["template"] = "consume"
    consume = doc["spec"]["templates"][2]
    consume["inputs"]["parameters"].append({"name": "count", "default": "1"})
    assert [f for f in findings(doc) if f[1] == "duplicate-name"] == [
        (
            "spec.templates[3].name",
            "duplicate-name",
            "template name 'consume' is already used (spec.templates[2])",
        ),
        (
            "spec.templates[2].inputs.parameters[2].name",
            "duplicate-name",
            "input parameter name 'count' is already used (spec.templates[2].inputs.parameters[0])",
        ),
    ]


def test_template_without_a_name():
    doc = pipeline()
    del doc["spec"]["templates"][3]["name"]
    assert findings(doc) == [
        ("spec.templates[3].name", "missing-field", "required field 'name' is missing"),
        (
            "spec.templates[0].dag.tasks[2].template",
            "template-ref",
            "task 'report' runs template 'report', which is not defined",
        ),
    ]
