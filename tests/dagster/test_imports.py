"""Dagster loads only where a job needs it; without the extra, one line says so."""

from __future__ import annotations

import subprocess
import sys

import pytest

from axl.compiler.dagster import definitions
from axl.errors import MissingDependencyError
from tests.dagster.jobs import ROOT
from tests.dagster.workflows import Gate


@pytest.mark.parametrize(
    "code",
    [
        "import axl",
        "import axl.runtime.__main__",
        "from axl.compiler.registry import all_targets; all_targets()",
        "import axl.compiler.dagster",
        "from axl.compiler.dagster import compile; from axl.ir import build_ir;"
        " from tests.dagster.workflows import Gate; compile(build_ir(Gate))",
    ],
)
def test_axl_the_runner_and_compiling_load_no_dagster(code: str):
    probe = f"{code}; import sys; print('dagster' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_missing_extra_is_named_in_one_line(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "dagster", None)
    with pytest.raises(MissingDependencyError) as info:
        definitions(Gate)
    assert str(info.value) == (
        "the Dagster target's job needs the dagster extra (pip install 'axl-workflows[dagster]')"
    )


def test_a_job_module_without_the_extra_says_so_in_one_line():
    probe = "import sys; sys.modules['dagster'] = None; import axl.runtime.dagster_op"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "axl.errors.MissingDependencyError: a Dagster job module of axl needs the dagster extra "
        "(pip install 'axl-workflows[dagster]')"
    )
