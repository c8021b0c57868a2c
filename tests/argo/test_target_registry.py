"""The target registry: ``axl compile`` dispatches to targets it does not know by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from axl.compiler.registry import get_target, target_names
from axl.compiler.target import Compiled, Target, TargetFlag, parse_flags
from axl.errors import UsageError
from tests.compile_cli import invoke

ROOT = Path(__file__).resolve().parents[2]
IRIS = f"{ROOT / 'examples' / 'iris_knn.py'}:IrisKNN"


def test_help_lists_every_target_and_its_options(app):
    result = invoke(app, "compile", "--help")
    assert result.exit_code == 0
    for name in target_names():
        assert f"--target {name}:" in result.stdout
        for flag in get_target(name).flags:
            assert flag.flag in result.stdout


def test_an_unknown_target_names_the_known_ones(app):
    result = invoke(app, "compile", "-m", IRIS, "--target", "nomad", "--json", "--out", "x")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["message"] == "unknown --target 'nomad'"
    assert "targets: argo" in error["hint"]


def test_an_option_of_no_target_is_refused_with_the_targets_options(app, tmp_path):
    out = tmp_path / "x.yaml"
    result = invoke(app, "compile", "-m", IRIS, "--target", "argo", "--out", str(out), "--knd", "x")
    assert result.exit_code == 2
    assert "--target argo has no option '--knd'" in result.stderr
    assert "--kind" in result.stderr
    assert not out.exists()


def test_target_options_take_both_spellings(app, tmp_path):
    out_a, out_b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a = invoke(app, "compile", "-m", IRIS, "--target", "argo", "--out", str(out_a),
               "--kind", "workflow-template", "--python-path", "/x", "--python-path", "/y")  # fmt: skip
    b = invoke(app, "compile", "-m", IRIS, "--target", "argo", "--out", str(out_b),
               "--kind=workflow-template", "--python-path=/x", "--python-path=/y")  # fmt: skip
    assert a.exit_code == b.exit_code == 0, a.stderr
    assert out_a.read_bytes() == out_b.read_bytes()
    assert b"kind: WorkflowTemplate" in out_a.read_bytes()
    assert b'"python_path":["/x","/y"]' in out_a.read_bytes()


class _Echo(Target):
    name = "echo"
    summary = "for tests"
    flags = (
        TargetFlag("--greeting", "greeting", "text"),
        TargetFlag("--times", "times", "a count", kind=int),
        TargetFlag("--loud", "loud", "a switch", kind=bool),
    )

    def options(self, values):  # type: ignore[no-untyped-def]
        return dict(values)

    def compile(self, ir, options):  # type: ignore[no-untyped-def]
        return Compiled(document={}, text="", warnings=(), kind="Echo", hash="h")

    def check(self, compiled):  # type: ignore[no-untyped-def]
        return []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--times", "x"], "--times takes a whole number, not 'x'"),
        (["--times", "-1"], "--times must not be negative"),
        (["--loud=yes"], "--loud is a switch: it takes no value"),
        (["--greeting"], "--greeting needs a value"),
        (["--greeting", "--loud"], "--greeting needs a value"),
        (["extra"], "--target echo has no option 'extra'"),
    ],
)
def test_flag_errors_are_one_line_usage_errors(args, message):
    with pytest.raises(UsageError, match=message):
        parse_flags(_Echo(), args)


def test_flags_parse_to_option_fields():
    values = parse_flags(_Echo(), ["--greeting", "hi", "--times=3", "--loud"])
    assert values == {"greeting": "hi", "times": 3, "loud": True}
