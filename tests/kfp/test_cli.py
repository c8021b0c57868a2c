"""``axl compile --target kfp`` from the command line: it writes the pipeline and lists its options."""

from __future__ import annotations

import yaml

from axl.compiler.kfp import compile
from axl.compiler.kfp.target import TARGET
from axl.compiler.yaml_render import to_yaml
from tests.compile_cli import invoke
from tests.kfp.helpers import IRIS, load_ir


def test_compile_writes_the_pipeline_spec(app, tmp_path):
    out = tmp_path / "x.yaml"
    result = invoke(app, "compile", "-m", IRIS, "--target", "kfp", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "PipelineSpec iris-knn (4 steps" in result.output
    text = out.read_text()
    assert text == to_yaml(compile(load_ir("examples/iris_knn.py:IrisKNN")))
    assert yaml.safe_load(text)["pipelineInfo"] == {"name": "iris-knn"}


def test_the_targets_flags_reach_its_options(app, tmp_path):
    out = tmp_path / "x.yaml"
    result = invoke(
        app, "compile", "-m", IRIS, "--target", "kfp", "--out", str(out),
        "--image", "localhost/axl-runner:dev", "--name", "iris", "--packages", "install",
        "--python-path", "/opt/src",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(out.read_text())
    assert doc["pipelineInfo"] == {"name": "iris"}
    container = doc["deploymentSpec"]["executors"]["exec-train"]["container"]
    assert container["image"] == "localhost/axl-runner:dev"
    assert '"python_path":["/opt/src"]' in container["args"][1]
    assert '"policy":"install"' in container["args"][1]


def test_help_lists_the_kfp_target_and_its_options(app):
    result = invoke(app, "compile", "--help")
    assert result.exit_code == 0
    assert "--target kfp:" in result.stdout
    for flag in TARGET.flags:
        assert flag.flag in result.stdout


def test_a_workflow_the_target_cannot_express_is_a_one_line_usage_error(app, tmp_path):
    target = f"{IRIS.rsplit('/', 2)[0]}/tests/kfp/condition_workflows.py:CrossConditions"
    out = tmp_path / "x.yaml"
    result = invoke(app, "compile", "-m", target, "--target", "kfp", "--out", str(out))
    assert result.exit_code == 2
    assert "step 'join' reads 'left' and 'right', which run under different conditions" in (
        result.output
    )
    assert "Traceback" not in result.output and not out.exists()
