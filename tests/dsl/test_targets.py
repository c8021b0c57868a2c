"""Malformed ``-m TARGET`` references say what is wrong with them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from axl.dsl.loader import split_target
from axl.errors import TargetError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("target", "problem", "hint"),
    [
        ("flow.py::X", r"'::' where one ':' separates the module from the class", "flow.py:X"),
        ("dir/flow.py::X", r"'::' where one ':' separates", "dir/flow.py:X"),
        ("flow.py:", r"nothing after ':'", "name the class after ':'"),
        ("examples/flow.py:", r"nothing after ':'", "drop the ':'"),
        (":Flow", r"nothing before ':'", "name the .py file"),
        ("pkg:mod:Flow", r"more than one ':'", "one ':' separates"),
        ("flow.py:My Flow", r"'My Flow' after ':' is not a class name", "workflow's class"),
        ("flow.py:1st", r"'1st' after ':' is not a class name", "workflow's class"),
    ],
)
def test_malformed_targets(target: str, problem: str, hint: str):
    with pytest.raises(TargetError) as caught:
        split_target(target)
    message = caught.value.message
    assert message.startswith(f"malformed workflow target {target!r}: ")
    assert message.endswith("(expected path/to/file.py:Class or package.module:Class)")
    assert re.search(problem, message)
    assert hint in (caught.value.hint or "")


def test_well_formed_targets_split_as_before_and_a_drive_is_part_of_the_path():
    assert split_target("flow.py:Flow") == ("flow.py", "Flow")
    assert split_target("pkg.mod:Outer.Inner") == ("pkg.mod", "Outer.Inner")
    assert split_target("  flow.py ") == ("flow.py", None)
    assert split_target("C:\\work\\flow.py") == ("C:\\work\\flow.py", None)
    assert split_target("C:\\work\\flow.py:Flow") == ("C:\\work\\flow.py", "Flow")
    with pytest.raises(TargetError, match=r"nothing after ':'"):
        split_target("C:\\work\\flow.py:")


def test_a_folder_is_not_a_workflow_file(tmp_path: Path):
    from axl.dsl.loader import load_target

    (tmp_path / "flows").mkdir()
    with pytest.raises(TargetError, match=r"is a folder, not a \.py file"):
        load_target(str(tmp_path / "flows") + "/")


@pytest.mark.parametrize("target", ["examples/iris_knn.py::IrisKNN", "examples/iris_knn.py:"])
def test_the_cli_prints_one_line_and_exits_2(target: str):
    out = subprocess.run(
        [sys.executable, "-m", "axl", "validate", "-m", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    first, *rest = out.stderr.splitlines()
    assert first.startswith(f"error: malformed workflow target {target!r}")
    assert "does not exist" not in out.stderr and "Traceback" not in out.stderr
    assert all(line.startswith("  hint:") for line in rest)
