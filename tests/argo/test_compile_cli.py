"""``axl compile``: output file or stdout, JSON report, exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.compile_cli import invoke as axl

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "argo"
IRIS = f"{ROOT / 'examples' / 'iris_knn.py'}:IrisKNN"


def test_writes_the_golden_bytes_to_a_file(app, tmp_path):
    out = tmp_path / "deploy" / "iris.yaml"
    result = axl(app, "compile", "-m", IRIS, "--target", "argo", "--out", str(out), "--no-lint")
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (GOLDEN / "iris-knn.yaml").read_bytes()
    assert f"wrote {out}: Workflow iris-knn (4 steps, " in result.stdout


def test_stdout_and_the_options(app):
    result = axl(
        app, "compile", "-m", IRIS, "--target", "argo", "--out", "-", "--kind", "workflow-template",
        "--artifacts", "pvc", "--namespace", "ml", "--service-account", "runner", "--image",
        "localhost/axl-runner:dev", "--artifact-repository", "repos/minio", "--ttl", "60",
        "--pod-gc", "none", "--pvc-size", "2Gi", "--packages", "install", "--python-path",
        "/opt/src", "--no-lint",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(result.stdout)
    assert doc["kind"] == "WorkflowTemplate" and doc["metadata"]["namespace"] == "ml"
    spec = doc["spec"]
    assert spec["serviceAccountName"] == "runner" and "podGC" not in spec
    assert spec["ttlStrategy"] == {"secondsAfterCompletion": 60}
    assert spec["artifactRepositoryRef"] == {"configMap": "repos", "key": "minio"}
    assert spec["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "2Gi"
    assert spec["templates"][1]["container"]["image"] == "localhost/axl-runner:dev"
    manifest = json.loads(spec["templates"][1]["container"]["args"][1])
    assert manifest["python_path"] == ["/opt/src"]
    assert manifest["packages"]["policy"] == "install"


def test_json_report(app, tmp_path):
    out = tmp_path / "churn.yaml"
    target = f"{ROOT / 'examples' / 'churn_workflow.py'}:ChurnWorkflow"
    result = axl(app, "compile", "-m", target, "--target", "argo", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["target"] == "argo" and report["out"] == str(out)
    assert report["bytes"] == len(out.read_bytes())
    assert report["hash"].startswith("blake3:") and report["workflow"] == "churn"
    assert report["kind"] == "Workflow"
    assert isinstance(report["warnings"], list)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--target", "airflow"], 2, "error: unknown --target 'airflow'"),
        (["--target", "argo", "--kind", "cron"], 2, "kind 'cron' is not one of"),
        (["--target", "argo", "--artifacts", "gcs"], 2, "artifacts 'gcs' is not one of s3, pvc"),
        (["--target", "argo", "--json"], 2, "--json prints a report on standard output"),
        (["--target", "argo", "--pod-gc", "Never"], 2, "pod_gc 'Never' is not one of"),
        (["--target", "argo", "--packages", "pip"], 2, "packages_policy 'pip' is not one of"),
    ],
)
def test_usage_errors_are_one_line(app, args, code, message):
    result = axl(app, "compile", "-m", IRIS, *args)
    assert result.exit_code == code
    assert message in result.output  # stderr, or the JSON error on stdout with --json
    assert "Traceback" not in result.output


def test_bad_workflow_target(app, tmp_path):
    result = axl(app, "compile", "-m", str(tmp_path / "nope.py"), "--target", "argo")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_json_errors(app):
    result = axl(app, "compile", "-m", IRIS, "--target", "airflow", "--json", "--out", "x.yaml")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["message"] == "unknown --target 'airflow'"


def test_lint_errors_stop_the_compile(app, tmp_path, monkeypatch):
    from axl.compiler.argo import checks

    class Finding:
        path, rule, message, severity = "spec.templates[1].name", "name", "too long", "error"

    monkeypatch.setattr(checks, "lint", lambda document: [Finding()])
    out = tmp_path / "x.yaml"
    result = axl(app, "compile", "-m", IRIS, "--target", "argo", "--out", str(out))
    assert result.exit_code == 1
    assert "fails the Argo lint: spec.templates[1].name: too long [name]" in result.stderr
    assert not out.exists()

    Finding.severity = "warning"
    result = axl(app, "compile", "-m", IRIS, "--target", "argo", "--out", str(out))
    assert result.exit_code == 0
    assert "warning: spec.templates[1].name: too long [name]" in result.stderr
