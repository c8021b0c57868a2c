"""DAG rules: undefined dependencies, cycles, depends syntax, one dependency style, names."""

from __future__ import annotations

import pytest

from axl.compiler.argo.lint import lint_document
from axl.compiler.argo.lint.depends import DependsError, Reference, parse_depends
from tests.lint.documents import container, findings, pipeline, task, workflow


def found(doc, rule=None):
    return [(path, message) for path, _, message in findings(doc, rule)]


def test_dangling_dependency_in_dependencies():
    doc = pipeline()
    for t in doc["spec"]["templates"][0]["dag"]["tasks"]:
        t.pop("depends", None)
    task(doc, "produce")["dependencies"] = ["setup"]
    task(doc, "consume")["dependencies"] = ["produce"]
    assert found(doc) == [
        (
            "spec.templates[0].dag.tasks[0].dependencies[0]",
            "task 'produce' depends on 'setup', which is not a task of this DAG",
        )
    ]


def test_dangling_dependency_in_depends_suggests_the_close_name():
    doc = pipeline()
    task(doc, "report")["depends"] = "consume && consumer.Failed"
    assert found(doc) == [
        (
            "spec.templates[0].dag.tasks[2].depends",
            "task 'report' depends on 'consumer', which is not a task of this DAG "
            "(did you mean 'consume'?)",
        )
    ]


def test_cycle_is_reported_with_its_tasks():
    doc = pipeline()
    task(doc, "produce")["depends"] = "report"
    assert found(doc, "dag-cycle") == [
        (
            "spec.templates[0].dag.tasks[0]",
            "dependency cycle in template 'main': produce -> consume -> report -> produce "
            "(each task depends on the one before it)",
        )
    ]


def test_self_dependency_is_a_cycle():
    doc = pipeline()
    task(doc, "report")["depends"] = "report"
    assert found(doc, "dag-cycle") == [
        (
            "spec.templates[0].dag.tasks[2]",
            "dependency cycle in template 'main': report -> report "
            "(each task depends on the one before it)",
        )
    ]


def test_a_long_chain_is_no_cycle_and_no_recursion_problem():
    tasks = [{"name": f"t{i}", "template": "leaf"} for i in range(3000)]
    for i in range(1, 3000):
        tasks[i]["dependencies"] = [f"t{i - 1}"]
    doc = workflow({"name": "main", "dag": {"tasks": tasks}}, container("leaf"))
    assert [f for f in lint_document(doc) if f.severity == "error"] == []


def test_both_depends_and_dependencies():
    doc = pipeline()
    task(doc, "report")["dependencies"] = ["consume"]
    assert found(doc) == [
        (
            "spec.templates[0].dag.tasks[2]",
            "task 'report' sets both depends and dependencies; use depends only",
        )
    ]


def test_dependencies_in_a_dag_that_uses_depends():
    doc = pipeline()
    report = task(doc, "report")
    report["dependencies"] = [report.pop("depends")]
    assert found(doc) == [
        (
            "spec.templates[0].dag.tasks[2].dependencies",
            "task 'report' uses dependencies, but task 'consume' of the same DAG uses depends; "
            "Argo allows only one style per DAG: use depends",
        )
    ]


def test_continue_on_with_depends():
    doc = pipeline()
    task(doc, "report")["continueOn"] = {"failed": True}
    assert found(doc) == [
        (
            "spec.templates[0].dag.tasks[2].continueOn",
            "task 'report': continueOn cannot be used in a DAG that uses depends; test "
            "results such as 'A.Failed' in depends instead",
        )
    ]


def test_depends_syntax_error():
    doc = pipeline()
    task(doc, "report")["depends"] = "consume &&"
    assert found(doc) == [
        (
            "spec.templates[0].dag.tasks[2].depends",
            "task 'report': expected a task name, found the end in 'consume &&'",
        )
    ]


def test_item_results_need_a_looping_task():
    doc = pipeline()
    task(doc, "report")["depends"] = "consume.AnySucceeded"
    assert found(doc) == [
        (
            "spec.templates[0].dag.tasks[2].depends",
            "task 'report' tests 'consume.AnySucceeded', but task 'consume' does not loop "
            "(withItems, withParam or withSequence)",
        )
    ]
    task(doc, "consume")["withItems"] = [1, 2]
    assert found(doc) == []


def test_task_name_starting_with_a_digit():
    doc = pipeline()
    task(doc, "report")["name"] = "1report"
    assert found(doc) == [
        (
            "spec.templates[0].dag.tasks[2].name",
            "task name '1report' starts with a digit, which Argo forbids in a DAG that uses "
            "depends or dependencies",
        )
    ]


def test_duplicate_task_names():
    doc = pipeline()
    task(doc, "report")["name"] = "consume"
    assert (
        "spec.templates[0].dag.tasks[2].name",
        "task name 'consume' is already used (spec.templates[0].dag.tasks[1])",
    ) in found(doc)


def test_target_must_name_tasks():
    doc = pipeline()
    doc["spec"]["templates"][0]["dag"]["target"] = "report reprot"
    assert found(doc) == [
        (
            "spec.templates[0].dag.target",
            "target 'reprot' is not a task of this DAG (did you mean 'report'?)",
        )
    ]


def test_parse_depends():
    assert parse_depends("A && (B.Failed || !C-1.Skipped)") == [
        Reference("A", None),
        Reference("B", "Failed"),
        Reference("C-1", "Skipped"),
    ]
    for text, message in [
        ("A B", "unexpected 'B'"),
        ("(A", "missing '\\)'"),
        ("A.Done", "unknown result '.Done'"),
        ("A && %", "unexpected '%'"),
        ("  ", "empty"),
    ]:
        with pytest.raises(DependsError, match=message):
            parse_depends(text)
