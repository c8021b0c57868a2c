"""`axl validate` / `axl run local` on hostile params: one-line errors with the right exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FLOW = """
from axl import Param, Workflow, step


class Flow(Workflow):
    day = Param("today", type=str)
    note = Param(None, type=str)

    @step
    def show(self) -> list:
        return [self.day, self.note]
"""


def axl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "axl", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "flow.py").write_text(FLOW)
    return tmp_path


def assert_one_line_error(out: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    first, *rest = out.stderr.strip().splitlines()
    assert first.startswith("error: ") and text in first, first
    assert all(line.startswith("  hint: ") for line in rest), rest


@pytest.mark.parametrize("command", [["validate"], ["run", "local", "--workspace", "ws"]])
def test_a_params_file_that_is_not_utf8(project: Path, command: list[str]):
    (project / "p.yaml").write_bytes(b"day: \xff\xfe\n")
    out = axl(*command, "-m", "flow.py:Flow", "--params", "p.yaml", cwd=project)
    assert_one_line_error(out, 2, "params file p.yaml is not UTF-8 text (byte 0xff at offset 5)")


@pytest.mark.parametrize("command", [["validate"], ["run", "local", "--workspace", "ws"]])
def test_a_param_nested_thousands_deep(project: Path, command: list[str]):
    value = "[" * 5_000 + "]" * 5_000
    out = axl(*command, "-m", "flow.py:Flow", "--param", f"day={value}", cwd=project)
    assert_one_line_error(out, 2, "--param day is nested deeper than 100 levels")


@pytest.mark.parametrize("isolation", ["worker", "fork", "subprocess"])
def test_yaml_dates_and_null_behave_the_same_in_every_isolation_mode(project: Path, isolation):
    (project / "p.yaml").write_text("day: 2024-01-01\n")
    out = axl(
        "run", "local", "-m", "flow.py:Flow", "--params", "p.yaml", "--param", "note=null",
        "--isolation", isolation, "--workspace", "ws", "--json",
        cwd=project,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["value"] == ["2024-01-01", None]


def test_null_is_checked_by_validate_as_by_run(project: Path):
    assert (
        axl("validate", "-m", "flow.py:Flow", "--param", "note=null", cwd=project).returncode == 0
    )
    out = axl("validate", "-m", "flow.py:Flow", "--param", "day=null", cwd=project)
    assert_one_line_error(out, 2, "param 'day' expects str, got None")


@pytest.mark.parametrize("target", ["flow.py::Flow", "flow.py:"])
def test_a_malformed_target_on_run_local(project: Path, target: str):
    out = axl("run", "local", "-m", target, "--workspace", "ws", cwd=project)
    assert_one_line_error(out, 2, f"malformed workflow target {target!r}")
