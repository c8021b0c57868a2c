"""``when`` and params: the Argo expressions, the arguments, and what the runner reads back."""

from __future__ import annotations

from typing import Any

import pytest

from axl import Param, Workflow, step
from axl.compiler.argo import (
    compile,
)
from tests.argo.helpers import ir_of, runner_call, tasks, templates
from tests.examples_wf.conditions import Conditions


def test_conditions_become_when_expressions_and_guard_dependants():
    doc = compile(ir_of(Conditions))
    when = {name: task.get("when") for name, task in tasks(doc).items()}
    assert when == {
        "evaluate": None,
        "publish": "{{tasks.evaluate.outputs.parameters.value}} > 0.9",
        "announce": None,
        "full-report": '"{{workflow.parameters.mode}}" == "full"',
        "upload": "{{workflow.parameters.dry-run}} != true",
        "regional": '"{{workflow.parameters.region}}" in ("eu", "us")',
        "retried": "{{workflow.parameters.retries}} != 0",
    }
    # A skipped publish leaves announce's depends false: Argo omits it instead of running it.
    assert tasks(doc)["announce"]["depends"] == "publish.Succeeded"
    evaluate = templates(doc)["evaluate"]
    assert evaluate["outputs"]["parameters"] == [
        {"name": "value", "valueFrom": {"path": "/axl/outputs/value.json"}}
    ]
    _, manifest = runner_call(evaluate)
    assert manifest.outputs[0].value_path == "/axl/outputs/value.json"
    assert "parameters" not in templates(doc)["publish"]["outputs"]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("score", '{0} != false && {0} != 0 && {0} != "" && {0} != null'),
        ("not score", '{0} == false || {0} == 0 || {0} == "" || {0} == null'),
        ("score == 'a'", '{0} == "a"'),
        ("score != None", "{0} != null"),
        ("score <= 2", "{0} <= 2"),
        ("score in [1]", "{0} == 1"),
        ("score not in ['x']", '{0} != "x"'),
        ("score in [1, 'two', True]", '{0} in (1, "two", true)'),
        ("score not in [1, 2]", "!({0} in (1, 2))"),
        ("score in []", "false"),
        ("score not in []", "true"),
    ],
)
def test_step_condition_forms(when, expected):
    class Gate(Workflow):
        @step
        def score(self) -> float:
            return 1.0

        @step(when=when)
        def act(self) -> int:
            return 1

    doc = compile(ir_of(Gate))
    left = "{{tasks.score.outputs.parameters.value}}"
    assert tasks(doc)["act"]["when"] == expected.format(left)
    assert tasks(doc)["act"]["depends"] == "score.Succeeded"


@pytest.mark.parametrize(
    ("declaration", "when", "expected"),
    [
        ("Param(0.5)", "p > 0.2", "{{workflow.parameters.p}} > 0.2"),
        ("Param(True)", "p", "{{workflow.parameters.p}} == true"),
        ("Param(3)", "not p", "{{workflow.parameters.p}} == 0"),
        (
            "Param('x')",
            "p",
            '"{{workflow.parameters.p}}" != "" && "{{workflow.parameters.p}}" != "null"',
        ),
        ("Param(type=str)", "p == 'a'", '"{{workflow.parameters.p}}" == "a"'),
        ("Param(None)", "p in [1, 2]", "{{workflow.parameters.p}} in (1, 2)"),
    ],
)
def test_param_condition_forms(declaration, when, expected):
    namespace: dict[str, Any] = {"Param": Param}
    exec(f"p = {declaration}", namespace)

    class Gate(Workflow):
        p = namespace["p"]

        @step(when=when)
        def act(self) -> int:
            return 1

    assert tasks(compile(ir_of(Gate)))["act"]["when"] == expected


def test_undeclared_params_that_steps_read_become_required_arguments():
    class Open(Workflow):
        @step(when="params.mode == 'x'")
        def act(self) -> int:
            return 1

    doc = compile(ir_of(Open))
    assert doc["spec"]["arguments"] == {"parameters": [{"name": "mode"}]}
    args, _ = runner_call(templates(doc)["act"])
    assert args.param == ["mode={{workflow.parameters.mode}}"]


def test_param_values_read_back_by_the_runner_as_declared():
    from axl.dsl.params import parse_param_value
    from axl.planning import param_text

    for value in ["text", "5", "true", "", "null", 5, 0.25, True, None, [1, "a"], {"k": 1}]:
        text = param_text(value)
        assert isinstance(text, str)
        assert parse_param_value(text) == value
    assert param_text("plain words") == "plain words"
    assert param_text("5") == '"5"'


def test_required_params_and_choices():
    doc = compile(ir_of(Conditions))
    arguments = {p["name"]: p for p in doc["spec"]["arguments"]["parameters"]}
    assert arguments["run-label"] == {
        "name": "run-label",
        "description": "a label for this run (required)",
    }
    assert arguments["mode"]["enum"] == ["full", "quick"]
    assert arguments["dry-run"]["value"] == "false"
    args, _ = runner_call(templates(doc)["evaluate"])
    assert "run_label={{workflow.parameters.run-label}}" in args.param
    assert "dry_run={{workflow.parameters.dry-run}}" in args.param
