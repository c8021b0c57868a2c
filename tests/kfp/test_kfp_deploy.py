"""axl.deploy.kfp against the loopback KFP API double: upload once, run, wait, delete, fail clearly."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from axl.compiler.kfp.options import PIPELINE_NAME
from axl.compiler.kfp.target import TARGET
from axl.deploy import kfp as deploy
from axl.deploy.kfp_params import run_parameters
from axl.errors import (
    EXIT_DEPLOY,
    EXIT_FAILED,
    DeployError,
    ParamsError,
    UsageError,
    WaitTimeoutError,
)
from axl.ir import build_ir
from tests.argo.helpers import Diamond
from tests.kfp.helpers import Tuned

HASH = "blake3:" + "0123456789abcdef" * 4
API = "/apis/v2beta1"


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def client(kfp_api_server, monkeypatch):
    monkeypatch.delenv(deploy.TOKEN_ENV, raising=False)
    return deploy.connect(kfp_api_server.url)


def uploaded(client, text: str = "a: 1\n", name: str = "diamond", hash_: str = HASH):
    return deploy.upload(
        client,
        spec_text=text,
        pipeline_name=name,
        version_name=deploy.version_name(name, hash_),
    )


# --- version names ------------------------------------------------------------------


def test_the_version_is_named_after_the_first_12_hex_digits_of_the_hash():
    assert deploy.version_name("diamond", HASH) == "diamond-0123456789ab"
    assert deploy.version_name("diamond", HASH.removeprefix("blake3:")) == "diamond-0123456789ab"


def test_the_longest_pipeline_name_gives_a_version_name_kfp_takes():
    longest = next(n for n in ("p" * k for k in range(200, 0, -1)) if PIPELINE_NAME.match(n))
    name = deploy.version_name(longest, HASH)
    assert len(name) <= deploy.VERSION_NAME_LIMIT
    assert name.startswith(longest) and name.endswith("-0123456789ab")


@pytest.mark.parametrize(
    ("pipeline", "hash_", "match"),
    [
        ("Not Valid", HASH, "pipeline name 'Not Valid' is not valid on KFP"),
        ("diamond", "blake3:xyz", "is not a workflow hash"),
    ],
)
def test_an_invalid_pipeline_name_or_hash_is_a_usage_error(pipeline, hash_, match):
    with pytest.raises(UsageError, match=match):
        deploy.version_name(pipeline, hash_)


# --- upload ---------------------------------------------------------------------------


def test_the_first_upload_creates_the_pipeline_with_this_version_holding_the_exact_bytes(
    client, kfp_api_server
):
    text = "# compiled\npipelineInfo:\n  name: diamond\n---\nplatforms:\n  kubernetes: {é: 1}\n"
    version = uploaded(client, text)
    assert version.created is True
    assert (version.pipeline_name, version.version_name) == ("diamond", "diamond-0123456789ab")
    (stored,) = kfp_api_server.versions_of(version.pipeline_id)
    assert stored.pipeline_version_id == version.version_id
    assert stored.name == "diamond-0123456789ab"
    assert stored.spec == text.encode("utf-8")
    assert stored.filename.endswith(".yaml")
    assert list(kfp_api_server.pipelines) == [version.pipeline_id]


def test_the_compiled_spec_is_uploaded_as_it_is(client, kfp_api_server):
    compiled = TARGET.compile(build_ir(Diamond), TARGET.options({}))
    version = uploaded(client, compiled.text, hash_=compiled.hash)
    (stored,) = kfp_api_server.versions_of(version.pipeline_id)
    assert stored.spec == compiled.text.encode("utf-8")


def test_an_existing_version_sends_no_upload_and_reports_it_was_there(client, kfp_api_server):
    first = uploaded(client)
    kfp_api_server.clear_requests()
    again = uploaded(client, "a: 2\n")
    assert again == deploy.UploadedVersion(
        first.pipeline_id, first.version_id, "diamond", first.version_name, created=False
    )
    assert kfp_api_server.uploads() == []
    assert all(r.method == "GET" for r in kfp_api_server.requests)
    assert kfp_api_server.versions_of(first.pipeline_id)[0].spec == b"a: 1\n"


def test_a_new_hash_is_a_new_version_of_the_same_pipeline(client, kfp_api_server):
    first = uploaded(client, "a: 1\n")
    second = uploaded(client, "a: 2\n", hash_="blake3:" + "f" * 64)
    assert second.created is True
    assert second.pipeline_id == first.pipeline_id and second.version_id != first.version_id
    names = [v.name for v in kfp_api_server.versions_of(first.pipeline_id)]
    assert names == ["diamond-0123456789ab", "diamond-ffffffffffff"]
    assert len(kfp_api_server.pipelines) == 1


def test_the_namespace_of_the_client_is_the_new_pipelines(kfp_api_server):
    client = deploy.connect(kfp_api_server.url, namespace="team-a")
    version = uploaded(client)
    assert kfp_api_server.pipelines[version.pipeline_id].namespace == "team-a"
    (listing,) = kfp_api_server.calls("GET", f"{API}/pipelines")
    assert listing.query["namespace"] == ["team-a"]


def test_delete_version_removes_it_and_a_missing_one_is_no_error(client, kfp_api_server):
    version = uploaded(client)
    deploy.delete_version(client, pipeline_id=version.pipeline_id, version_id=version.version_id)
    assert kfp_api_server.versions_of(version.pipeline_id) == []
    deploy.delete_version(client, pipeline_id=version.pipeline_id, version_id=version.version_id)
    deletes = [r for r in kfp_api_server.requests if r.method == "DELETE"]
    assert len(deletes) == 2


# --- runs -----------------------------------------------------------------------------


def test_a_run_carries_its_params_as_sent_in_its_experiment(client, kfp_api_server):
    version = uploaded(client)
    run_id = deploy.start_run(
        client,
        pipeline_id=version.pipeline_id,
        version_id=version.version_id,
        params={"k": 5, "rate": 0.5, "verbose": True, "tag": "x"},
        experiment="nightly",
        run_name="diamond-run",
    )
    run = kfp_api_server.runs[run_id]
    assert run.runtime_config == {"parameters": {"k": 5, "rate": 0.5, "verbose": True, "tag": "x"}}
    assert type(run.runtime_config["parameters"]["k"]) is int
    assert run.pipeline_version_id == version.version_id and run.display_name == "diamond-run"
    assert kfp_api_server.experiments[run.experiment_id].display_name == "nightly"


def test_wait_run_asks_until_the_run_ends_and_returns_its_final_state(client, kfp_api_server):
    kfp_api_server.final_state = "FAILED"
    kfp_api_server.polls_before_final = 2
    version = uploaded(client)
    run_id = deploy.start_run(
        client, pipeline_id=version.pipeline_id, version_id=version.version_id, params={},
        experiment=None, run_name="r",
    )  # fmt: skip
    assert deploy.wait_run(client, run_id, timeout=60, poll=0) == "FAILED"
    assert len(kfp_api_server.calls("GET", f"{API}/runs/{run_id}")) == 3


def test_wait_run_gives_up_at_its_timeout_and_says_the_state(client, kfp_api_server):
    kfp_api_server.polls_before_final = 10**9
    version = uploaded(client)
    run_id = deploy.start_run(
        client, pipeline_id=version.pipeline_id, version_id=version.version_id, params={},
        experiment=None, run_name="r",
    )  # fmt: skip
    with pytest.raises(WaitTimeoutError, match=f"run {run_id} on .* is still RUNNING after 0 s"):
        deploy.wait_run(client, run_id, timeout=0, poll=0)
    assert WaitTimeoutError.exit_code == EXIT_FAILED


# --- params ---------------------------------------------------------------------------


def test_params_are_typed_as_the_pipeline_parameters():
    given = {"epochs": "5", "rate": 2, "verbose": "true", "tag": 7, "layers": [1]}
    values = run_parameters(Tuned, build_ir(Tuned), given)
    assert values == {"epochs": 5, "rate": 2.0, "verbose": True, "tag": "7", "layers": [1]}
    assert [type(v) for v in values.values()] == [int, float, bool, str, list]


def test_a_param_the_workflow_refuses_is_a_params_error():
    with pytest.raises(ParamsError, match="param 'epochs' expects int, got 'many'"):
        run_parameters(Tuned, build_ir(Tuned), {"epochs": "many", "tag": "t"})
    with pytest.raises(ParamsError, match="unknown param"):
        run_parameters(Tuned, build_ir(Tuned), {"nope": 1, "tag": "t"})


# --- failures -------------------------------------------------------------------------


def test_an_unreachable_host_is_one_deploy_error_naming_it():
    host = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(DeployError) as info:
        deploy.connect(host, token="s3cret-token")
    error = info.value
    assert error.exit_code == EXIT_DEPLOY
    assert error.message == (
        f"Kubeflow Pipelines at {host}: connecting failed: cannot reach the server "
        "(Connection refused)"
    )
    assert "--host" in (error.hint or "")


def test_a_server_error_names_the_host_the_call_and_the_servers_message(client, kfp_api_server):
    kfp_api_server.failures[("POST", f"{API}/pipelines/upload_version")] = (500, "db is down")
    with pytest.raises(DeployError) as info:
        uploaded(client)
    assert info.value.message == (
        f"Kubeflow Pipelines at {kfp_api_server.url}: uploading version 'diamond-0123456789ab' "
        "failed: HTTP 500 Internal Server Error: db is down"
    )
    assert "\n" not in info.value.message and info.value.context["status"] == 500


def test_a_refused_token_says_how_to_pass_one_and_never_shows_it(kfp_api_server, monkeypatch):
    monkeypatch.delenv(deploy.TOKEN_ENV, raising=False)
    kfp_api_server.expected_token = "the-right-one"
    with pytest.raises(DeployError, match="HTTP 401") as info:
        deploy.connect(kfp_api_server.url, token="the-wrong-one")
    assert "the-wrong-one" not in str(info.value) and "KFP_TOKEN" in (info.value.hint or "")


def test_the_token_comes_from_kfp_token_and_reaches_the_server_as_a_bearer(
    kfp_api_server, monkeypatch
):
    monkeypatch.setenv(deploy.TOKEN_ENV, "from-the-env")
    kfp_api_server.expected_token = "from-the-env"
    uploaded(deploy.connect(kfp_api_server.url))
    assert {r.headers.get("authorization") for r in kfp_api_server.requests} == {
        "Bearer from-the-env"
    }


@pytest.mark.parametrize("host", ["localhost:8888", "ftp://x", "http://"])
def test_a_host_that_is_no_http_url_is_a_usage_error(host):
    with pytest.raises(UsageError, match="is not an http:// or https:// URL"):
        deploy.connect(host)


def test_credentials_in_the_host_url_stay_out_of_messages():
    port = closed_port()
    with pytest.raises(DeployError) as info:
        deploy.connect(f"http://user:pw@127.0.0.1:{port}")
    assert "pw" not in str(info.value) and f"http://127.0.0.1:{port}" in info.value.message


def test_without_the_kfp_extra_connect_names_it_in_one_line():
    code = (
        "import sys; sys.modules['kfp'] = None\n"
        "from axl.deploy.kfp import connect\n"
        "try:\n    connect('http://127.0.0.1:9')\n"
        "except Exception as e:\n    print(type(e).__name__, e.exit_code, e.message, e.hint, sep='|')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "MissingDependencyError|4|deploying to Kubeflow Pipelines needs the kfp extra "
        "(kfp is missing)|pip install 'axl-workflows[kfp]'"
    )


def test_importing_the_deploy_modules_and_the_cli_loads_no_kfp():
    probe = (
        "import axl.deploy.kfp, axl.deploy.kfp_params, axl.cli.app, sys; "
        "print(sorted(m for m in ('kfp', 'kfp_server_api', 'google.protobuf') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- the double itself ----------------------------------------------------------------


def test_the_double_answers_an_unknown_endpoint_with_a_json_404(kfp_api_server):
    import json
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{kfp_api_server.url}{API}/nothing-here", timeout=10)
    assert info.value.code == 404
    body = json.loads(info.value.read())
    assert body["code"] == 5 and "no endpoint GET /apis/v2beta1/nothing-here" in body["message"]
    assert [(r.method, r.path) for r in kfp_api_server.requests] == [("GET", f"{API}/nothing-here")]
