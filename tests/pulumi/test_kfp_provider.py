"""``KfpPipelineProvider`` called as the engine calls it, against a loopback double of the KFP API.

No Pulumi engine: each test calls ``create``/``diff``/``update``/``delete``
in this process with the properties the engine would pass (plain values,
the ``__provider`` included), and reads what the double received.
"""

from __future__ import annotations

import base64
import functools
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dill
import pulumi.dynamic
import pytest
from axl_pulumi import KfpTarget
from axl_pulumi.kfp_pipeline import KfpPipelineProvider, spec_digest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from axl.errors import DeployError
from tests.kfp.kfp_api_server import API, KfpApiServer
from tests.pulumi import kfp_programs
from tests.pulumi.conftest import IRIS
from tests.pulumi.harness import run_program
from tests.pulumi.kfp_expect import axl_compile

TOKEN = "kfp-token-0123456789"
SPEC = "pipelineInfo:\n  name: flow\nroot: {}\nschemaVersion: 2.1.0\n"


@pytest.fixture
def server() -> Iterator[KfpApiServer]:
    """A started double of the KFP API on 127.0.0.1, stopped after the test."""
    with KfpApiServer() as started:
        yield started


def props(server: KfpApiServer, spec: str = SPEC, **changes: Any) -> dict[str, Any]:
    """What the engine passes ``create`` for a version of ``spec`` on ``server``."""
    digest = spec_digest(spec)
    return {
        "__provider": serialize_provider(KfpPipelineProvider()),
        "host": server.url,
        "token": None,
        "namespace": None,
        "pipeline_name": "flow",
        "spec": spec,
        "spec_hash": digest,
        "version_name": f"flow-{digest[7:19]}",
        **changes,
    }


def created(provider: KfpPipelineProvider, values: dict[str, Any]) -> dict[str, Any]:
    """The state after ``create`` (its outputs and the provider, as the engine keeps them)."""
    result = provider.create(values)
    assert result.id == result.outs["version_id"]
    return {**result.outs, "__provider": values["__provider"]}


def test_create_uploads_the_spec_as_a_version_of_a_new_pipeline(
    server: KfpApiServer,
) -> None:
    values = props(server)
    state = created(KfpPipelineProvider(), values)

    pipeline = server.pipeline_named("flow")
    (version,) = server.versions_of(pipeline.pipeline_id)
    assert version.spec == SPEC.encode("utf-8")
    assert version.name == values["version_name"]
    assert state == {
        "host": server.url,
        "token": None,
        "namespace": None,
        "pipeline_name": "flow",
        "spec": SPEC,
        "spec_hash": values["spec_hash"],
        "version_name": values["version_name"],
        "pipeline_id": pipeline.pipeline_id,
        "version_id": version.pipeline_version_id,
        "__provider": values["__provider"],
    }


def test_create_sends_the_token_as_a_bearer_and_keeps_it_out_of_errors(
    server: KfpApiServer,
) -> None:
    server.expected_token = TOKEN
    provider = KfpPipelineProvider()

    created(provider, props(server, token=TOKEN))
    assert server.uploads()
    assert {r.headers.get("authorization") for r in server.requests} == {f"Bearer {TOKEN}"}

    with pytest.raises(DeployError) as refused:
        provider.create(props(server, token="wrong-token", spec=SPEC + "# two\n"))
    assert "401" in refused.value.message
    assert "wrong-token" not in str(refused.value)


def test_diff_replaces_on_a_new_version_and_updates_on_a_new_token(
    server: KfpApiServer,
) -> None:
    provider = KfpPipelineProvider()
    state = created(provider, props(server, token=TOKEN))
    requests = len(server.requests)

    same = provider.diff(state["version_id"], state, props(server, token=TOKEN))
    assert (same.changes, same.replaces) == (False, [])

    spec = provider.diff(state["version_id"], state, props(server, spec=SPEC + "# 2\n"))
    assert spec.changes is True
    assert spec.replaces == ["spec", "spec_hash", "version_name"]
    assert spec.delete_before_replace is False

    # Another spelling of the same server keeps the version's name: the old one goes first.
    host = provider.diff(state["version_id"], state, props(server, host=f"{server.url}/"))
    assert (host.changes, host.replaces, host.delete_before_replace) == (True, ["host"], True)

    token = provider.diff(state["version_id"], state, props(server, token="rotated"))
    assert (token.changes, token.replaces) == (True, [])
    updated = provider.update(state["version_id"], state, props(server, token="rotated"))
    assert updated.outs == {**state, "token": "rotated"}

    # Neither a diff nor a token update talks to the server.
    assert len(server.requests) == requests


def test_an_unknown_value_in_a_preview_is_a_replacement(server: KfpApiServer) -> None:
    provider = KfpPipelineProvider()
    state = created(provider, props(server))
    news = props(server, spec=rpc.UNKNOWN, spec_hash=rpc.UNKNOWN, version_name=rpc.UNKNOWN)

    diff = provider.diff(state["version_id"], state, news)
    assert diff.replaces == ["spec", "spec_hash", "version_name"]


def test_a_replacement_uploads_the_new_version_then_deletes_the_old(
    server: KfpApiServer,
) -> None:
    provider = KfpPipelineProvider()
    old = created(provider, props(server))
    new = created(provider, props(server, spec=SPEC + "# two\n"))
    # The new spec is a second version of the same pipeline...
    assert new["pipeline_id"] == old["pipeline_id"]
    versions = server.versions_of(old["pipeline_id"])
    assert [v.name for v in versions] == [old["version_name"], new["version_name"]]
    # ...and the old one goes once the new one is up.
    provider.delete(old["version_id"], old)

    (left,) = server.versions_of(new["pipeline_id"])
    assert left.pipeline_version_id == new["version_id"]
    assert left.spec == (SPEC + "# two\n").encode("utf-8")
    deletes = [r for r in server.requests if r.method == "DELETE"]
    assert [r.path for r in deletes] == [
        f"{API}/pipelines/{old['pipeline_id']}/versions/{old['version_id']}"
    ]
    # Deleting what is gone already is no error (a retried destroy).
    provider.delete(old["version_id"], old)
    assert server.pipeline_named("flow").pipeline_id == new["pipeline_id"]


def test_an_existing_version_of_that_name_is_taken_as_it_is(server: KfpApiServer) -> None:
    provider = KfpPipelineProvider()
    first = created(provider, props(server))
    server.clear_requests()

    again = created(provider, props(server))
    assert again["version_id"] == first["version_id"]
    assert server.uploads() == []


def test_the_provider_survives_pickle_dill_and_pulumis_own_serialisation(
    server: KfpApiServer,
) -> None:
    provider = KfpPipelineProvider()
    assert vars(provider) == {}
    assert type(pickle.loads(pickle.dumps(provider))) is KfpPipelineProvider
    assert type(dill.loads(dill.dumps(provider, recurse=True))) is KfpPipelineProvider

    # What the engine stores and loads back (``pulumi.dynamic``'s serialiser, dill inside):
    text = serialize_provider(provider)
    assert text == serialize_provider(KfpPipelineProvider())
    loaded = dill.loads(base64.b64decode(text))
    assert isinstance(loaded, pulumi.dynamic.ResourceProvider)
    state = created(loaded, props(server))
    assert server.versions_of(state["pipeline_id"])


def test_the_registered_provider_and_inputs_upload_what_axl_compile_writes(
    server: KfpApiServer, program_dir: Path
) -> None:
    server.expected_token = TOKEN
    program = functools.partial(
        kfp_programs.axl_workflow,
        name="iris",
        workflow=IRIS,
        targets=["kfp"],
        kfp=KfpTarget(host=server.url, token=TOKEN),
    )
    run = run_program(program, cwd=program_dir).check()
    inputs = run.one(kfp_programs.KFP_PIPELINE).inputs
    # The engine hands a provider plain values (it accepts no secrets).
    engine_props = {key: rpc.unwrap_rpc_secret(value) for key, value in inputs.items()}
    provider = dill.loads(base64.b64decode(engine_props["__provider"]))

    result = provider.create(engine_props)
    pipeline = server.pipeline_named("iris-knn")
    (version,) = server.versions_of(pipeline.pipeline_id)
    assert version.spec == axl_compile(IRIS).encode("utf-8")
    assert version.name == inputs["version_name"] == result.outs["version_name"]
    assert result.id == version.pipeline_version_id

    provider.delete(result.id, {**result.outs, "__provider": engine_props["__provider"]})
    assert server.versions_of(pipeline.pipeline_id) == []
