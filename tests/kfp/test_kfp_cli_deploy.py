"""``axl kfp upload`` and ``axl kfp run`` against the loopback KFP API double."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from axl.cli.app import app
from axl.deploy.kfp import TOKEN_ENV, pipeline_digest
from axl.errors import EXIT_DEPLOY, EXIT_FAILED, EXIT_INFRA, EXIT_USAGE
from tests.compile_cli import invoke as invoke_compile
from tests.kfp.helpers import ROOT
from tests.kfp.test_kfp_deploy import closed_port

DIAMOND = f"{ROOT / 'tests' / 'argo' / 'helpers.py'}:Diamond"
TUNED = f"{ROOT / 'tests' / 'kfp' / 'helpers.py'}:Tuned"
IRIS = f"{ROOT / 'examples' / 'iris_knn.py'}:IrisKNN"
IMAGE = "localhost/axl-runner:test"
TOKEN = "tok-5f0c0ffee-do-not-print"

FLOW = """\
from axl import Param, Workflow, step


class Flow(Workflow):
    name = "flow"
    k = Param(3)

    @step
    def a(self) -> int:
        return self.k + {delta}
"""


@pytest.fixture(autouse=True)
def _no_token_from_the_environment(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)


def axl(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def upload(server, target: str = DIAMOND, *extra: str) -> Any:
    return axl("kfp", "upload", "-m", target, "--host", server.url, *extra)


def run(server, target: str = DIAMOND, *extra: str) -> Any:
    return axl("kfp", "run", "-m", target, "--host", server.url, *extra)


def subprocess_axl(*args: str, code: str = "") -> subprocess.CompletedProcess[str]:
    """``axl ARGS`` in a fresh interpreter (after ``code``), as a user runs it."""
    program = f"{code}\nimport sys\nsys.argv = ['axl', *{list(args)!r}]\n"
    program += "from axl.cli.app import main\nmain()\n"
    return subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


# --- upload ---------------------------------------------------------------------------


def test_upload_sends_the_file_axl_compile_writes_named_after_the_hash(kfp_api_server, tmp_path):
    out = tmp_path / "pipeline.yaml"
    compiled = invoke_compile(
        app, "compile", "-m", IRIS, "--target", "kfp", "--out", str(out), "--image", IMAGE,
        "--json",
    )  # fmt: skip
    assert compiled.exit_code == 0, compiled.output
    digest = pipeline_digest(out.read_text(), json.loads(compiled.stdout)["hash"])
    result = upload(kfp_api_server, IRIS, "--image", IMAGE)
    assert result.exit_code == 0, result.output
    version = f"iris-knn-{digest.removeprefix('blake3:')[:12]}"
    assert f"pipeline iris-knn on {kfp_api_server.url}: version {version} uploaded" in result.stdout
    pipeline = kfp_api_server.pipeline_named("iris-knn")
    (stored,) = kfp_api_server.versions_of(pipeline.pipeline_id)
    assert stored.name == version
    assert stored.spec == out.read_bytes()


def test_upload_json_reports_pipeline_version_and_whether_it_was_created(kfp_api_server):
    first = json.loads(upload(kfp_api_server, DIAMOND, "--json").stdout)
    again = json.loads(upload(kfp_api_server, DIAMOND, "--json").stdout)
    assert first["ok"] is True and first["created"] is True and again["created"] is False
    pipeline = kfp_api_server.pipeline_named("diamond")
    (version,) = kfp_api_server.versions_of(pipeline.pipeline_id)
    for report in (first, again):
        assert report["pipeline"] == "diamond" and report["pipeline_id"] == pipeline.pipeline_id
        assert (
            report["version"] == version.name
            and report["version_id"] == version.pipeline_version_id
        )
        stored = pipeline_digest(version.spec.decode(), report["hash"])
        assert report["version"] == f"diamond-{stored.removeprefix('blake3:')[:12]}"


def test_a_new_compile_option_is_a_new_version_not_the_stale_one(kfp_api_server):
    first = json.loads(upload(kfp_api_server, DIAMOND, "--json").stdout)
    other = json.loads(upload(kfp_api_server, DIAMOND, "--image", IMAGE, "--json").stdout)
    assert other["hash"] == first["hash"] and other["created"] is True
    assert other["version"] != first["version"]
    pipeline = kfp_api_server.pipeline_named("diamond")
    latest = kfp_api_server.versions_of(pipeline.pipeline_id)[-1]
    assert IMAGE.encode() in latest.spec


def test_a_second_upload_of_unchanged_code_sends_nothing_and_says_it_is_there(kfp_api_server):
    assert upload(kfp_api_server).exit_code == 0
    kfp_api_server.clear_requests()
    result = upload(kfp_api_server)
    assert result.exit_code == 0, result.output
    assert "already there (same workflow and spec): nothing uploaded" in result.stdout
    assert kfp_api_server.uploads() == []
    assert {r.method for r in kfp_api_server.requests} == {"GET"}


def test_changed_code_uploads_a_new_version_of_the_same_pipeline(kfp_api_server, tmp_path):
    """The spec holds no code (the image or the archive does); the version name does."""
    flow = tmp_path / "flow.py"
    flow.write_text(FLOW.format(delta=1))
    first = json.loads(upload(kfp_api_server, f"{flow}:Flow", "--json").stdout)
    flow.write_text(FLOW.format(delta=100))  # another size: no stale bytecode
    second = json.loads(upload(kfp_api_server, f"{flow}:Flow", "--json").stdout)
    assert second["created"] is True and second["hash"] != first["hash"]
    assert second["pipeline_id"] == first["pipeline_id"]
    versions = kfp_api_server.versions_of(first["pipeline_id"])
    assert [v.name for v in versions] == [first["version"], second["version"]]
    out = tmp_path / "now.yaml"
    compiled = invoke_compile(
        app, "compile", "-m", f"{flow}:Flow", "--target", "kfp", "-o", str(out)
    )
    assert compiled.exit_code == 0, compiled.output
    assert versions[1].spec == out.read_bytes()


def test_the_compile_options_and_pipeline_name_reach_the_upload(kfp_api_server):
    result = upload(
        kfp_api_server, DIAMOND, "--image", IMAGE, "--name", "diamond-x",
        "--pipeline-name", "team-diamond", "--json",
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert report["pipeline"] == "team-diamond" and report["version"].startswith("team-diamond-")
    pipeline = kfp_api_server.pipeline_named("team-diamond")
    (version,) = kfp_api_server.versions_of(pipeline.pipeline_id)
    assert b"name: diamond-x" in version.spec and IMAGE.encode() in version.spec


def test_an_unknown_compile_option_is_a_usage_error_before_anything_is_sent(kfp_api_server):
    result = upload(kfp_api_server, DIAMOND, "--kind", "cron")
    assert result.exit_code == EXIT_USAGE
    assert "has no option '--kind'" in result.stderr
    assert kfp_api_server.requests == []


def test_help_lists_the_kfp_compile_options():
    result = axl("kfp", "upload", "--help")
    assert result.exit_code == 0
    for flag in ("--host", "--existing-token", "--image", "--packages", "--python-path", "--name"):
        assert flag in result.stdout


# --- run ------------------------------------------------------------------------------


def test_run_params_arrive_typed_as_the_workflow_declares_them(kfp_api_server):
    result = run(
        kfp_api_server, TUNED, "--param", "epochs=5", "--param", "rate=1",
        "--param", "verbose=true", "--param", "tag=5", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (stored,) = kfp_api_server.runs.values()
    params = stored.runtime_config["parameters"]
    assert params == {"epochs": 5, "rate": 1.0, "verbose": True, "tag": "5"}
    assert [type(params[k]) for k in ("epochs", "rate", "verbose", "tag")] == [
        int, float, bool, str,
    ]  # fmt: skip
    report = json.loads(result.stdout)
    assert report["run"]["id"] == stored.run_id and report["run"]["params"] == params
    assert stored.pipeline_version_id == report["version_id"]


def test_run_uploads_first_and_a_second_run_of_unchanged_code_uploads_nothing(kfp_api_server):
    assert run(kfp_api_server, DIAMOND, "--param", "k=5").exit_code == 0
    kfp_api_server.clear_requests()
    result = run(kfp_api_server, DIAMOND, "--param", "k=6", "--experiment", "nightly")
    assert result.exit_code == 0, result.output
    assert kfp_api_server.uploads() == []
    assert "in experiment 'nightly' (params: k=6)" in result.stdout
    runs = list(kfp_api_server.runs.values())
    assert [r.runtime_config["parameters"] for r in runs] == [{"k": 5}, {"k": 6}]
    assert runs[0].pipeline_version_id == runs[1].pipeline_version_id


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["--param", "epochs=many", "--param", "tag=t"], "param 'epochs' expects int, got 'many'"),
        (["--param", "tag=t", "--param", "nope=1"], "unknown param(s) nope"),
        ([], "missing required param 'tag'"),
        (["--param", "tag=t", "--timeout", "5"], "--timeout needs --wait"),
    ],
)
def test_a_bad_param_is_a_usage_error_before_anything_is_sent(kfp_api_server, given, message):
    result = run(kfp_api_server, TUNED, *given)
    assert result.exit_code == EXIT_USAGE
    assert message in result.stderr and "Traceback" not in result.output
    assert kfp_api_server.requests == []


@pytest.mark.parametrize(
    ("state", "code"), [("SUCCEEDED", 0), ("FAILED", EXIT_FAILED), ("CANCELED", EXIT_FAILED)]
)
def test_wait_reports_the_final_state_and_exits_non_zero_unless_it_succeeded(
    kfp_api_server, state, code
):
    kfp_api_server.final_state = state
    result = run(kfp_api_server, DIAMOND, "--wait")
    assert result.exit_code == code, result.output
    (stored,) = kfp_api_server.runs.values()
    if code == 0:
        assert f"run {stored.run_id} SUCCEEDED" in result.stdout
    else:
        assert f"error: run {stored.run_id} ended {state}" in result.stderr
    report = json.loads(run(kfp_api_server, DIAMOND, "--wait", "--json").stdout)
    assert report["ok"] is (code == 0) and report["run"]["state"] == state


def test_without_wait_the_run_is_started_and_not_read(kfp_api_server):
    result = run(kfp_api_server, DIAMOND, "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["run"]["state"] is None
    assert not [r for r in kfp_api_server.requests if r.path.startswith("/apis/v2beta1/runs/")]


# --- failures, the token, the extra ---------------------------------------------------


def test_an_unreachable_host_is_one_line_and_its_own_exit_code():
    host = f"http://127.0.0.1:{closed_port()}"
    result = subprocess_axl("kfp", "upload", "-m", DIAMOND, "--host", host)
    assert result.returncode == EXIT_DEPLOY, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: Kubeflow Pipelines at {host}: connecting failed: cannot reach the server "
        "(Connection refused)",
        "  hint: check --host: the KFP API URL, e.g. http://localhost:8888 after "
        "`kubectl port-forward -n kubeflow svc/ml-pipeline 8888:8888`",
    ]
    as_json = axl("kfp", "run", "-m", DIAMOND, "--host", host, "--json")
    assert as_json.exit_code == EXIT_DEPLOY
    assert json.loads(as_json.stdout)["error"]["code"] == "deploy"


def test_the_token_reaches_the_server_as_a_bearer_and_never_the_output(kfp_api_server):
    kfp_api_server.expected_token = TOKEN
    results = [
        upload(kfp_api_server, DIAMOND, "--existing-token", TOKEN),
        run(kfp_api_server, DIAMOND, "--existing-token", TOKEN, "--wait", "--json"),
    ]
    assert [r.exit_code for r in results] == [0, 0]
    assert {r.headers.get("authorization") for r in kfp_api_server.requests} == {f"Bearer {TOKEN}"}
    for result in results:
        assert TOKEN not in result.stdout and TOKEN not in result.stderr


def test_a_refused_token_is_a_deploy_error_that_does_not_show_it(kfp_api_server, monkeypatch):
    kfp_api_server.expected_token = "the-right-token"
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    result = upload(kfp_api_server)
    assert result.exit_code == EXIT_DEPLOY
    assert "HTTP 401" in result.stderr and "KFP_TOKEN" in result.stderr
    assert TOKEN not in result.stdout and TOKEN not in result.stderr


def test_without_the_kfp_extra_the_command_names_it_in_one_line():
    result = subprocess_axl(
        "kfp", "upload", "-m", DIAMOND, "--host", "http://127.0.0.1:9",
        code="import sys; sys.modules['kfp'] = None",
    )  # fmt: skip
    assert result.returncode == EXIT_INFRA
    assert "needs the kfp extra" in result.stderr
    assert "pip install 'axl-workflows[kfp]'" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 2
