"""``axl compile --target dagster``: the registry's target, its flags, its output and its check."""

from __future__ import annotations

import pytest

from axl.compiler.dagster import DagsterOptions, DagsterOptionsError
from axl.compiler.dagster.target import TARGET, import_root
from axl.compiler.registry import get_target, target_names
from axl.compiler.target import Compiled, parse_flags
from axl.errors import LintError
from tests.compile_cli import app  # noqa: F401 (the `axl compile` app fixture)
from tests.compile_cli import invoke as axl
from tests.dagster.jobs import ROOT, load_class

GOLDEN = ROOT / "tests" / "golden" / "dagster"


@pytest.fixture
def cli(request: pytest.FixtureRequest) -> object:
    """The ``axl compile`` test app."""
    return request.getfixturevalue("app")


IRIS = f"{ROOT / 'examples' / 'iris_knn.py'}:IrisKNN"


def test_the_registry_has_the_target():
    assert "dagster" in target_names()
    assert get_target("dagster") is TARGET


def test_axl_compile_writes_the_golden_module_from_the_repository(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "dagster_job.py"
    result = axl(cli, "compile", "-m", "examples/iris_knn.py:IrisKNN", "--target", "dagster",
                 "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (GOLDEN / "iris-knn.py").read_bytes()
    assert f"wrote {out}: Dagster job module iris-knn (4 steps, " in result.stdout


def test_the_flags(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "dagster_job.py"
    result = axl(
        cli, "compile", "-m", "examples/iris_knn.py:IrisKNN", "--target", "dagster",
        "--out", str(out), "--workspace", "/data/axl", "--python-path", "src",
        "--packages", "install", "--name", "iris", "--executor", "multiprocess",
        "--max-concurrent", "4",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (GOLDEN / "iris-knn-options.py").read_bytes()


def test_flags_become_options():
    values = parse_flags(TARGET, ["--workspace=w", "--python-path", "a", "--python-path", "b"])
    assert TARGET.options(values) == DagsterOptions(workspace="w", python_path=("a", "b"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--image", "x"], "--target dagster has no option '--image'"),
        (["--name", "iris-knn"], "job name 'iris-knn' is not valid on Dagster"),
        (["--name", "config"], "job name 'config' is not valid on Dagster"),
        (["--packages", "pip"], "packages_policy 'pip' is not one of"),
        (["--executor", "celery"], "executor 'celery' is not one of in_process, multiprocess"),
        (["--max-concurrent", "2"], "max_concurrent applies to the multiprocess executor"),
        (
            ["--executor", "multiprocess", "--max-concurrent", "-1"],
            "--max-concurrent must not be negative, not -1",
        ),
    ],
)
def test_usage_errors_are_one_line(cli, args, message):
    result = axl(cli, "compile", "-m", IRIS, "--target", "dagster", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_options_are_checked():
    with pytest.raises(DagsterOptionsError, match="workspace '' is not a folder path"):
        DagsterOptions(workspace="")
    with pytest.raises(DagsterOptionsError, match="max_concurrent -1 is negative"):
        DagsterOptions(executor="multiprocess", max_concurrent=-1)


def test_the_check_compiles_the_module():
    broken = Compiled(document=None, text="def (:\n", warnings=(), kind="k", hash="h")
    with pytest.raises(LintError, match=r"the Dagster job module does not compile: .* \(line 1\)"):
        TARGET.check(broken)


def test_the_import_folder_is_relative_inside_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert import_root("tests.examples_wf.conditions") == ()
    assert import_root("axl") == ()
    assert import_root("no.such.module") == ()
    load_class("examples/iris_knn.py:IrisKNN")  # imports module iris_knn from examples/
    assert import_root("iris_knn") == ("examples",)
    monkeypatch.chdir(tmp_path)
    assert import_root("iris_knn") == (str(ROOT / "examples"),)


def test_warm_env_is_a_warning_on_dagster():
    from tests.dagster.jobs import load_ir

    compiled = TARGET.compile(load_ir("tests/examples_wf/warm_env.py:WarmEnv"), DagsterOptions())
    assert any("sets warm_env: the Dagster target has no warm step" in w for w in compiled.warnings)
    plain = TARGET.compile(load_ir("examples/quickstart.py:Hello"), DagsterOptions())
    assert not any("warm_env" in w for w in plain.warnings)
