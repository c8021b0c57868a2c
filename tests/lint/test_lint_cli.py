"""``axl lint FILE``: one line per finding, JSON, exit codes 0, 1 and 2."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from axl.cli.app import app
from tests.lint.documents import SHARED, big_workflow, pipeline

runner = CliRunner()


def write(tmp_path, *docs, name="wf.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def lint(*args):
    return runner.invoke(app, ["lint", *map(str, args)])


def test_clean_file_exits_0(tmp_path):
    path = write(tmp_path, pipeline())
    result = lint(path)
    assert result.exit_code == 0
    assert result.stdout == f"{path}: ok\n"


def test_findings_are_listed_one_per_line_and_exit_1(tmp_path):
    doc = pipeline()
    doc["spec"]["entrypoint"] = "nope"
    doc["spec"]["colour"] = "blue"
    path = write(tmp_path, doc)
    result = lint(path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}: spec.colour: unknown field 'colour' [unknown-field]",
        f"{path}: spec.entrypoint: entrypoint 'nope' is not a template of this Workflow [entrypoint]",
    ]


def test_warnings_alone_exit_0(tmp_path):
    path = write(tmp_path, big_workflow(201))
    result = lint(path)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{path}: spec.templates: warning: 202 items")
    assert lines[-1] == f"{path}: ok (2 warnings)"


def test_json_output(tmp_path):
    doc = pipeline()
    del doc["spec"]["entrypoint"]
    path = write(tmp_path, doc)
    result = lint(path, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report.pop("error") == {
        "code": "lint",
        "message": f"{path}: 1 error",
        "hint": "see findings; each names the rule and the path in the document",
    }
    assert report == {
        "ok": False,
        "findings": [
            {
                "path": "spec.entrypoint",
                "rule": "entrypoint",
                "message": "a Workflow needs spec.entrypoint: the template to run",
                "severity": "error",
            }
        ],
    }
    result = lint(write(tmp_path, pipeline()), "--json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, {"ok": True, "findings": []})


def test_strict_names_option(tmp_path):
    doc = pipeline()
    doc["spec"]["arguments"]["parameters"][0]["name"] = "greeting_text"
    doc["spec"]["templates"][0]["dag"]["tasks"][1]["arguments"]["parameters"][1]["value"] = (
        "{{workflow.parameters.greeting_text}}"
    )
    path = write(tmp_path, doc)
    assert lint(path).exit_code == 0
    result = lint(path, "--strict-names")
    assert result.exit_code == 1
    assert (
        "spec.arguments.parameters[0].name: workflow parameter name 'greeting_text'"
        in result.stdout
    )


def test_missing_file_exits_2_with_one_clear_error(tmp_path):
    result = lint(tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == f"error: {tmp_path / 'nope.yaml'} does not exist"
    assert "Traceback" not in result.output


def test_non_yaml_exits_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: [\n")
    result = lint(path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path} is not valid YAML (line 2, column 1)")
    result = lint(path, "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "lint_input"


@pytest.mark.slow
def test_schema_dir_option(tmp_path):
    path = write(tmp_path, pipeline())
    result = lint(path, "--schema-dir", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "Argo schema directory" in result.stderr
    if SHARED.is_dir():
        assert lint(path, "--schema-dir", SHARED).exit_code == 0


def test_stdin():
    result = runner.invoke(app, ["lint", "-"], input=yaml.safe_dump(pipeline()))
    assert (result.exit_code, result.stdout) == (0, "stdin: ok\n")


def test_argo_version_option(tmp_path):
    doc = pipeline()
    doc["spec"]["synchronization"] = {"mutex": {"name": "one"}}
    path = write(tmp_path, doc)
    assert lint(path, "--argo-version", "3.7").exit_code == 0
    result = lint(path)  # the newest by default
    assert result.exit_code == 1
    assert "(Argo 3.7 accepts it; Argo 4.1 removed it) [unknown-field]" in result.stdout
    result = lint(path, "--argo-version", "3.5")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: Argo '3.5' has no schemas in axl: choose 3.7 or 4.1")
