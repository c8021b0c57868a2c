"""The web UI sees the job: dagster-webserver's GraphQL API against the workflow's IR.

One read-only ``dagster-webserver`` on 127.0.0.1 serves the job modules the
Dagster target writes for the examples and the test workflows (one code
location each), and a module whose ``defs`` is the in-memory API's
``definitions(Conditions)``. For every job, what the UI shows (ops, each op's
upstream ops, descriptions, tags, and the launchpad's config: the params'
names, types, defaults and which are required) is compared with the IR.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("dagster_webserver")

from axl.compiler.dagster import compile
from axl.dsl.loader import load_target
from axl.ir import IRWorkflow, build_ir
from axl.planning import kubernetes_resources
from tests.dagster.processes import ROOT
from tests.dagster.webserver import (
    NO_DEFAULT,
    DagsterWebserver,
    JobView,
    WebserverError,
    running_webserver,
)

pytestmark = pytest.mark.slow

WORKFLOWS = {
    "quickstart_job.py": "examples/quickstart.py:Hello",
    "iris_knn_job.py": "examples/iris_knn.py:IrisKNN",
    "churn_job.py": "examples/churn_workflow.py:ChurnWorkflow",
    "conditions_job.py": "tests/examples_wf/conditions.py:Conditions",
    "step_options_job.py": "tests/examples_wf/step_options.py:StepOptions",
    "fan_in_job.py": "tests/examples_wf/fan_in.py:FanIn",
}
"""Location (the generated module's file name) -> the workflow compiled into it."""
IN_MEMORY = "conditions_in_memory.py"
IN_MEMORY_MODULE = """\
import sys

sys.path.insert(0, {root!r})

from axl.compiler.dagster import definitions
from tests.examples_wf.conditions import Conditions

defs = definitions(Conditions, name="conditions_in_memory")
"""
K8S_CONFIG_TAG = "dagster-k8s/config"
SCALARS = {"int": "Int", "float": "Float", "str": "String", "bool": "Bool"}
"""An IR param type and the config type the launchpad shows for it."""


def workflow_ir(target: str) -> IRWorkflow:
    path, cls = target.split(":")
    return build_ir(load_target(f"{ROOT / path}:{cls}").cls)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterWebserver]:
    folder = tmp_path_factory.mktemp("dagster-ui")
    files = []
    for name, target in WORKFLOWS.items():
        path = folder / name
        path.write_text(compile(workflow_ir(target)), encoding="utf-8")
        files.append(path)
    in_memory = folder / IN_MEMORY
    in_memory.write_text(IN_MEMORY_MODULE.format(root=str(ROOT)), encoding="utf-8")
    files.append(in_memory)
    with running_webserver(files, folder / "home") as running:
        yield running


def job_of(server: DagsterWebserver, location: str) -> JobView:
    repository, name = server.find_job(location)
    return server.job(location, repository, name)


def assert_matches_ir(view: JobView, ir: IRWorkflow) -> None:
    """Ops, their dependencies, descriptions and the params' config are the IR's."""
    nodes, upstream = ir.lookups()
    assert set(view.ops) == set(nodes)
    for name, ups in upstream.items():
        assert view.ops[name] == frozenset(ups), name
        assert view.op_descriptions[name] == nodes[name].doc, name
    assert view.tags["axl/workflow"] == ir.name
    assert view.tags["axl/hash"] == ir.short_hash()
    assert set(view.config) == {p.name for p in ir.params}
    for param in ir.params:
        field = view.config[param.name]
        assert field.required == param.required, param.name
        assert field.default == (NO_DEFAULT if param.required else param.default), param.name
        if param.choices is not None and param.type == "str":
            assert field.type.enum == tuple(param.choices), param.name
        elif param.type in SCALARS:
            assert field.type.name == SCALARS[param.type], (param.name, field.type)
            assert field.type.enum is None


@pytest.mark.parametrize("location", list(WORKFLOWS))
def test_the_ui_shows_the_ops_dependencies_and_params_of_the_ir(
    server: DagsterWebserver, location: str
) -> None:
    view = job_of(server, location)
    assert_matches_ir(view, workflow_ir(WORKFLOWS[location]))


def test_the_in_memory_definitions_show_as_the_generated_module(server: DagsterWebserver) -> None:
    ir = workflow_ir(WORKFLOWS["conditions_job.py"])
    in_memory = job_of(server, IN_MEMORY)
    generated = job_of(server, "conditions_job.py")
    assert in_memory.name == "conditions_in_memory"
    assert_matches_ir(in_memory, ir)
    assert (in_memory.ops, in_memory.config, in_memory.op_tags) == (
        generated.ops,
        generated.config,
        generated.op_tags,
    )


def test_the_launchpad_asks_for_the_required_param_and_offers_the_choices(
    server: DagsterWebserver,
) -> None:
    config = job_of(server, "conditions_job.py").config
    assert [name for name, field in config.items() if field.required] == ["run_label"]
    assert config["mode"].type.enum == ("full", "quick")
    assert config["threshold"].default == 0.8
    assert config["threshold"].description == "accuracy needed to publish"


def test_an_op_s_pod_settings_are_its_dagster_k8s_tag(server: DagsterWebserver) -> None:
    ir = workflow_ir(WORKFLOWS["step_options_job.py"])
    tags = job_of(server, "step_options_job.py").op_tags
    for node in ir.nodes:
        container = json.loads(tags[node.name][K8S_CONFIG_TAG])["container_config"]
        assert container.get("resources", {}) == kubernetes_resources(node.resources), node.name
        secrets = {v.name: v.secret for v in (*ir.env, *node.env) if v.secret is not None}
        assert {
            e["name"]: (
                e["value_from"]["secret_key_ref"]["name"],
                e["value_from"]["secret_key_ref"]["key"],
            )
            for e in container["env"]
        } == {name: (s.name, s.key) for name, s in secrets.items()}, node.name
    assert (
        json.loads(tags["train"][K8S_CONFIG_TAG])["container_config"]["resources"]["limits"][
            "nvidia.com/gpu"
        ]
        == "2"
    )


def test_steps_without_pod_settings_have_no_dagster_k8s_tag(server: DagsterWebserver) -> None:
    tags = job_of(server, "fan_in_job.py").op_tags
    assert len(tags) == 22
    assert all(K8S_CONFIG_TAG not in each for each in tags.values())


def test_a_job_the_server_does_not_have_is_an_error(server: DagsterWebserver) -> None:
    repository, _ = server.find_job("quickstart_job.py")
    with pytest.raises(WebserverError, match="PipelineNotFoundError"):
        server.job("quickstart_job.py", repository, "no_such_job")


def test_a_module_that_does_not_load_fails_the_start_with_its_error(tmp_path: Path) -> None:
    module = tmp_path / "broken.py"
    module.write_text("raise RuntimeError('this module does not load')\n", encoding="utf-8")
    with (
        pytest.raises(WebserverError, match="this module does not load"),
        running_webserver([module], tmp_path / "home"),
    ):
        pass


def test_the_server_and_its_code_servers_stop_when_the_block_fails(tmp_path: Path) -> None:
    module = tmp_path / "one_op.py"
    module.write_text(
        "import dagster as dg\n\n\n@dg.op\ndef only():\n    return 1\n\n\n"
        "@dg.job\ndef one():\n    only()\n\n\ndefs = dg.Definitions(jobs=[one])\n",
        encoding="utf-8",
    )
    with pytest.raises(RuntimeError, match="the test failed"):  # noqa: PT012
        with running_webserver([module], tmp_path / "home") as running:
            assert running.find_job("one_op.py")[1] == "one"
            pid, url = running.pid, running.url
            raise RuntimeError("the test failed")
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # nothing is left in the server's process group
    with pytest.raises(OSError):
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"{url}/server_info", timeout=2
        )
