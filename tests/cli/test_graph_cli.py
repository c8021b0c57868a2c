"""`axl graph`: formats, --out, --json, params, and the errors (exit codes, one line each)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.graphs.cases import golden_path

ROOT = Path(__file__).resolve().parents[2]
QUICK = "examples/quickstart.py:Hello"
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)"
)


def axl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "axl", "graph", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def without_dot(tmp_path: Path) -> dict[str, str]:
    """The environment with a PATH that has no ``dot`` (the interpreter is run by full path)."""
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(empty)}


def test_mermaid_on_stdout_is_the_golden_file():
    out = axl("-m", QUICK)
    assert out.returncode == 0, out.stderr
    assert out.stdout == golden_path("quickstart", ".mmd").read_text(encoding="utf-8")
    assert out.stderr == ""


def test_dot_on_stdout_is_the_golden_file_and_repeats_byte_for_byte():
    first = axl("-m", "tests/examples_wf/conditions.py:Conditions", "--format", "dot")
    second = axl("-m", "tests/examples_wf/conditions.py:Conditions", "--format", "dot")
    assert first.returncode == 0, first.stderr
    assert first.stdout == golden_path("conditions", ".dot").read_text(encoding="utf-8")
    assert first.stdout == second.stdout


def test_json_text():
    out = axl("-m", QUICK, "--json", "--direction", "LR")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["ok"] is True
    assert doc["format"] == "mermaid"
    assert doc["workflow"] == "hello"
    assert doc["text"].startswith("flowchart LR\n")


def test_params_show_given_values():
    out = axl("-m", QUICK, "--param", "greeting=howdy")
    assert out.returncode == 0, out.stderr
    assert "p_greeting[/\"greeting: str<br/>= 'howdy'\"/]" in out.stdout


def test_params_file(tmp_path: Path):
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"greeting": "hej"}))
    out = axl("-m", QUICK, "--params", str(params), "--format", "dot")
    assert out.returncode == 0, out.stderr
    assert "= &#39;hej&#39;" in out.stdout or "= 'hej'" in out.stdout


def test_bad_param_exit_2():
    out = axl("-m", QUICK, "--param", "nope=1")
    assert out.returncode == 2
    assert out.stderr.startswith("error: workflow 'hello': unknown param(s) nope")
    assert out.stdout == ""


def test_out_writes_atomically_and_replaces(tmp_path: Path):
    target = tmp_path / "pictures" / "hello.mmd"
    out = axl("-m", QUICK, "--out", str(target))
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""
    assert target.read_text(encoding="utf-8") == golden_path("quickstart", ".mmd").read_text()
    out = axl("-m", QUICK, "--out", str(target), "--format", "dot", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "ok": True,
        "format": "dot",
        "path": str(target),
        "workflow": "hello",
    }
    assert target.read_text(encoding="utf-8").startswith('digraph "hello" {')
    assert sorted(p.name for p in target.parent.iterdir()) == ["hello.mmd"]  # no temp file left


def test_out_suffix_picks_the_format(tmp_path: Path):
    target = tmp_path / "hello.dot"
    out = axl("-m", QUICK, "--out", str(target))
    assert out.returncode == 0, out.stderr
    assert target.read_text(encoding="utf-8").startswith("digraph")


def test_out_into_an_unwritable_place_exit_4(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = axl("-m", QUICK, "--out", str(blocker / "hello.mmd"))
    assert out.returncode == 4
    assert out.stderr.startswith(f"error: cannot write artifact {blocker / 'hello.mmd'}")


@needs_dot
def test_svg_and_png_files(tmp_path: Path):
    svg, png = tmp_path / "hello.svg", tmp_path / "hello.png"
    assert axl("-m", QUICK, "--out", str(svg)).returncode == 0
    assert axl("-m", QUICK, "--format", "png", "--out", str(png)).returncode == 0
    assert b"<svg" in svg.read_bytes()
    assert b">greet</text>" in svg.read_bytes()
    assert png.read_bytes().startswith(b"\x89PNG")


def test_binary_format_needs_out():
    out = axl("-m", QUICK, "--format", "png")
    assert out.returncode == 2
    assert out.stderr.splitlines()[0] == "error: --format png is binary: it needs --out FILE"


def test_bad_format_and_direction_exit_2():
    out = axl("-m", QUICK, "--format", "jpeg", "--json")
    assert out.returncode == 2
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "usage"
    assert error["message"] == "--format 'jpeg' is not one of mermaid, dot, svg, png"
    out = axl("-m", QUICK, "--direction", "BT")
    assert out.returncode == 2
    assert "--direction 'BT' is not one of TD, LR" in out.stderr


def test_svg_without_dot_names_the_package_exit_4(tmp_path: Path):
    target = tmp_path / "hello.svg"
    target.write_text("the picture before")
    out = axl("-m", QUICK, "--out", str(target), env=without_dot(tmp_path))
    assert out.returncode == 4
    lines = out.stderr.splitlines()
    assert lines[0] == (
        "error: --format svg needs Graphviz's dot, which is not on PATH "
        "(Debian/Ubuntu: apt-get install graphviz)"
    )
    assert "Traceback" not in out.stderr
    assert target.read_text() == "the picture before"  # nothing half-written
    out = axl(
        "-m", QUICK, "--format", "png", "--out", str(target), "--json", env=without_dot(tmp_path)
    )
    assert out.returncode == 4
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "missing_dependency"
    assert "apt-get install graphviz" in error["message"]


def test_text_formats_need_no_dot(tmp_path: Path):
    out = axl("-m", QUICK, "--format", "dot", env=without_dot(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith('digraph "hello" {')


def test_bad_target_exit_2():
    out = axl("-m", "examples/nope.py:Hello")
    assert out.returncode == 2
    assert out.stderr.splitlines()[0] == "error: workflow file examples/nope.py does not exist"
    out = axl("-m", "examples/quickstart.py:Nope", "--json")
    assert out.returncode == 2
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "invalid_target"


def test_invalid_workflow_exit_2(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from axl import Workflow, step\n"
        "class Bad(Workflow):\n"
        "    @step\n"
        "    def a(self, missing: int) -> int:\n"
        "        return missing\n"
    )
    out = axl("-m", f"{bad}:Bad", "--json")
    assert out.returncode == 2
    assert json.loads(out.stdout)["error"]["code"] == "invalid_graph"
