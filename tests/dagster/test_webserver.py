"""The web UI sees the job: dagster-webserver's GraphQL API against the workflow's IR."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("dagster_webserver")

from axl.dsl.loader import load_target
from axl.ir import IRWorkflow, build_ir
from tests.dagster.webserver import (
    NO_DEFAULT,
    DagsterWebserver,
    JobView,
    WebserverError,
    running_webserver,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

SCALARS = {"int": "Int", "float": "Float", "str": "String", "bool": "Bool"}
"""An IR param type and the config type the launchpad shows for it."""

HAND_WRITTEN = """
from dagster import Config, Definitions, In, Nothing, RunConfig, config_mapping, job, op


class HelloParams(Config):
    greeting: str = "hello"


def step_op(name, upstream):
    @op(name=name, ins={u: In(Nothing) for u in upstream}, config_schema={"greeting": str})
    def run_step():
        return None

    return run_step


names, greet, report = step_op("names", []), step_op("greet", ["names"]), step_op("report", ["greet"])


@config_mapping
def to_ops(params: HelloParams) -> RunConfig:
    return RunConfig(ops={n: {"config": params.model_dump()} for n in ("names", "greet", "report")})


@job(name="hello", config=to_ops)
def hello():
    report(greet=greet(names=names()))


defs = Definitions(jobs=[hello])
"""


def assert_matches_ir(view: JobView, ir: IRWorkflow) -> None:
    """Ops, their dependencies and the params' config schema are the IR's."""
    nodes, upstream = ir.lookups()
    assert set(view.ops) == set(nodes)
    for name, ups in upstream.items():
        assert view.ops[name] == frozenset(ups), name
    assert set(view.config) == {p.name for p in ir.params}
    for param in ir.params:
        field = view.config[param.name]
        assert field.required == param.required, param.name
        if param.required:
            assert field.default is NO_DEFAULT, param.name
        else:
            assert field.default == param.default, param.name
        if param.type in SCALARS:
            assert field.type.name == SCALARS[param.type], (param.name, field.type)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterWebserver]:
    folder = tmp_path_factory.mktemp("dagster-ui")
    module = folder / "hello_job.py"
    module.write_text(textwrap.dedent(HAND_WRITTEN), encoding="utf-8")
    with running_webserver([module], folder / "home") as running:
        yield running


def test_the_ui_shows_the_ops_dependencies_and_params_of_the_ir(server: DagsterWebserver) -> None:
    ir = build_ir(load_target(f"{ROOT / 'examples/quickstart.py'}:Hello").cls)
    (location,) = server.locations
    repository, name = server.find_job(location)
    view = server.job(location, repository, name)
    assert view.name == "hello"
    assert_matches_ir(view, ir)
    assert view.default_yaml.strip() == "greeting: hello"


def test_a_job_the_server_does_not_have_is_an_error(server: DagsterWebserver) -> None:
    (location,) = server.locations
    repository, _ = server.find_job(location)
    with pytest.raises(WebserverError, match="PipelineNotFoundError"):
        server.job(location, repository, "no_such_job")


def test_a_module_that_does_not_load_fails_the_start_with_its_error(tmp_path: Path) -> None:
    module = tmp_path / "broken.py"
    module.write_text("raise RuntimeError('this module does not load')\n", encoding="utf-8")
    with (
        pytest.raises(WebserverError, match="this module does not load"),
        running_webserver([module], tmp_path / "home"),
    ):
        pass
