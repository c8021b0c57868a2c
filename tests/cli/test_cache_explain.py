"""``axl cache explain``: the key, its parts, and which part changed since the last run."""

from __future__ import annotations

import json
from pathlib import Path

from tests.runtime.cache_project import make_project


def test_explain_names_the_part_that_changed_since_the_last_run(tmp_path: Path):
    project = make_project(tmp_path)
    first = project.run("--param", "n=1")
    recorded = json.loads((Path(first["run_dir"]) / "run.json").read_text())
    same = project.cli("cache", "explain", "-m", "flow.py:Flow", "--step", "scaled",
                       "--param", "n=1", "--workspace", ".axl", "--json")  # fmt: skip
    assert same.returncode == 0, same.stderr
    data = json.loads(same.stdout)
    assert data["key"] == recorded["steps"]["scaled"]["cache"]["key"]
    assert data["changed"] == [] and data["previous_run"] == first["run_id"]
    assert set(data["parts"]) == {"schema", "step", "code", "environment", "params", "inputs",
                                  "outputs", "env", "axl"}  # fmt: skip

    (project.root / "helpers.py").write_text("def factor():\n    return 4\n")
    text = project.cli("cache", "explain", "-m", "flow.py:Flow", "--step", "scaled",
                       "--param", "n=2", "--workspace", ".axl")  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert f"changed since run {first['run_id']} (*): code, params" in text.stdout
    assert " * code " in text.stdout and "   inputs " in text.stdout


def test_explain_before_any_run_and_for_an_unknown_step(tmp_path: Path):
    project = make_project(tmp_path)
    fresh = project.cli("cache", "explain", "-m", "flow.py:Flow", "--step", "fixed")
    assert fresh.returncode == 0, fresh.stderr
    assert "no earlier run in this workspace recorded this step's key" in fresh.stdout
    upstream = project.cli("cache", "explain", "-m", "flow.py:Flow", "--step", "scaled")
    assert "key unknown" in upstream.stdout and "source" not in upstream.stderr
    unknown = project.cli("cache", "explain", "-m", "flow.py:Flow", "--step", "nope")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: workflow 'flow' has no step 'nope'")
    uncached = project.cli("cache", "explain", "-m", "flow.py:Flow", "--step", "source")
    assert uncached.returncode == 2 and "is not cached" in uncached.stderr
