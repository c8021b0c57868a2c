"""A reader that closes stdout early (``axl ... | head -1``): every command exits 1, quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
IRIS = "examples/iris_knn.py:IrisKNN"


def _big_lint_file(folder: Path) -> Path:
    docs = [
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": f"w{i}"}}
        for i in range(3000)
    ]
    path = folder / "many.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return path


def _closed_reader(args: list[str], *, read_first: bool) -> subprocess.CompletedProcess[str]:
    """Run ``python -m axl ARGS`` with a stdout pipe closed right away (or after one line)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "axl", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    if read_first:
        proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read()
    proc.stderr.close()
    return subprocess.CompletedProcess(proc.args, proc.wait(timeout=60), "", stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "-m", IRIS],
        ["validate", "--json", "-m", IRIS],
        ["--help"],
        ["lint", "{big}"],
        ["lint", "--json", "{big}"],
    ],
    ids=["validate", "validate-json", "help", "lint", "lint-json"],
)
@pytest.mark.parametrize("read_first", [False, True], ids=["closed-at-once", "after-a-line"])
def test_a_closed_stdout_ends_the_command_quietly(tmp_path, args, read_first):
    big = str(_big_lint_file(tmp_path)) if "{big}" in args else ""
    out = _closed_reader([big if a == "{big}" else a for a in args], read_first=read_first)
    assert out.stderr == ""
    assert out.returncode in (0, 1)  # 0 when all the output fitted in the pipe before it closed
    if "lint" in args:
        assert out.returncode == 1  # far more output than a pipe holds


def test_the_shell_sees_no_traceback(tmp_path):
    big = _big_lint_file(tmp_path)
    script = f"{sys.executable} -m axl lint {big} | head -1; echo status=${{PIPESTATUS[0]}}"
    out = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.splitlines()[0].startswith(f"{big}: ")
    assert out.stdout.splitlines()[-1] == "status=1"
    assert out.stderr == ""
