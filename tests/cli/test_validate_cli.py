"""`axl validate` and `axl --version`: output, JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from axl import __version__

ROOT = Path(__file__).resolve().parents[2]


def axl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "axl", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_version_has_one_source():
    out = axl("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"axl {__version__}"
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["dynamic"] == ["version"]


def test_validate_iris_json():
    out = axl("validate", "-m", "examples/iris_knn.py:IrisKNN", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["ok"] is True
    assert doc["workflow"] == "iris-knn"
    assert [n["name"] for n in doc["nodes"]] == ["load_data", "split", "train", "evaluate"]
    assert doc["edges"] == [
        {"from": "load_data", "to": "split", "arg": "data"},
        {"from": "split", "to": "train", "arg": "split"},
        {"from": "train", "to": "evaluate", "arg": "trained"},
    ]
    assert doc["hash"].startswith("blake3:")


def test_validate_text_summary():
    out = axl("validate", "-m", "examples/churn_workflow.py:ChurnWorkflow")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "churn (churn_workflow:ChurnWorkflow): 5 steps, 6 edges"
    assert (
        "score             <- usage_features (usage), billing_features (billing), params (params)"
        in out.stdout
    )
    assert "hash: blake3:" in out.stdout


def test_validate_dotted_module_target():
    out = axl("validate", "-m", "examples.iris_knn:IrisKNN", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ref"] == "examples.iris_knn:IrisKNN"


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


CASES = {
    "import_error": (
        "import not_a_real_module_xyz\n",
        "cannot import broken",
        "import_failed",
    ),
    "syntax_error": ("def broken(:\n    pass\n", "syntax error at", "import_failed"),
    "raises": ("x = 1\nraise RuntimeError('nope')\n", "RuntimeError: nope", "import_failed"),
    "ambiguous": (
        "from axl import Workflow, step\n"
        "class W(Workflow):\n"
        "    @step\n    def a(self) -> int: return 1\n"
        "    @step\n    def b(self) -> int: return 1\n"
        "    @step\n    def c(self, v: int) -> int: return v\n",
        "matches several steps equally well",
        "invalid_graph",
    ),
    "bad_option": (
        "from axl import Workflow, step\n"
        "class W(Workflow):\n"
        "    @step(retries='x')\n    def a(self) -> int: return 1\n",
        "step 'a': invalid option retries='x'",
        "invalid_option",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_workflows_exit_2_with_one_line(tmp_path: Path, case: str):
    body, message, code = CASES[case]
    _write(tmp_path, "broken.py", body)
    out = axl("validate", "-m", "broken.py:W", cwd=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("error: ")
    assert message in out.stderr
    assert out.stdout == ""
    as_json = axl("validate", "-m", "broken.py:W", "--json", cwd=tmp_path)
    assert as_json.returncode == 2
    doc = json.loads(as_json.stdout)
    assert doc["ok"] is False
    assert doc["error"]["code"] == code
    assert message in doc["error"]["message"]


def test_import_error_names_file_and_line(tmp_path: Path):
    _write(tmp_path, "broken.py", "import os\n\nimport not_a_real_module_xyz\n")
    out = axl("validate", "-m", "broken.py:W", cwd=tmp_path)
    assert out.returncode == 2
    assert "broken.py:3" in out.stderr
    assert "No module named 'not_a_real_module_xyz'" in out.stderr


def test_target_errors(tmp_path: Path):
    _write(
        tmp_path,
        "two.py",
        "from axl import Workflow, step\n"
        "class A(Workflow):\n    @step\n    def a(self) -> int: return 1\n"
        "class B(Workflow):\n    @step\n    def b(self) -> int: return 1\n",
    )
    out = axl("validate", "-m", "two.py", cwd=tmp_path)
    assert out.returncode == 2
    assert "name the workflow class (workflows in two: A, B)" in out.stderr
    out = axl("validate", "-m", "two.py:C", cwd=tmp_path)
    assert "two has no class 'C' (workflows there: A, B)" in out.stderr
    out = axl("validate", "-m", "missing.py:W", cwd=tmp_path)
    assert "workflow file missing.py does not exist" in out.stderr
    out = axl("validate", "-m", "no_such_pkg.mod:W", cwd=tmp_path)
    assert out.returncode == 2 and "no module named 'no_such_pkg'" in out.stderr


def test_bad_params_are_reported(tmp_path: Path):
    out = axl("validate", "-m", "examples/iris_knn.py:IrisKNN", "--param", "n_neighbors=abc")
    assert out.returncode == 2
    assert "param 'n_neighbors' expects int, got 'abc'" in out.stderr


def test_bad_arguments_exit_2():
    out = axl("validate")
    assert out.returncode == 2
    assert "Missing option" in out.stderr
