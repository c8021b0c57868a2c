"""Every example workflow builds, and runs locally with the expected result."""

from __future__ import annotations

from pathlib import Path

import pytest

from axl.dsl.loader import load_target
from axl.ir import build
from axl.runtime.api import run_local

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "examples/iris_knn.py:IrisKNN": None,  # run by the engine and CLI tests
    "examples/churn_workflow.py:ChurnWorkflow": lambda v: (
        v["customers"] == 200.0 and 0 <= v["mean_risk"] <= 1
    ),
    "examples/quickstart.py:Hello": lambda v: v == 2,
    "examples/external_repo/src/wordstats/flow.py:WordStats": lambda v: (
        v == {"distinct": 12, "top": [["dog", 2], ["fox", 2], ["woods", 2]], "longest": "sleeps"}
    ),
    "examples/baked_project/inventory/flow.py:Inventory": lambda v: (
        v.splitlines()[2:] == ["| washers |       8 |      42 |", "| nuts    |      35 |      15 |"]
    ),
}


def test_every_example_is_listed():
    found = {str(p.relative_to(ROOT)) for p in (ROOT / "examples").rglob("*.py")}
    listed = {target.split(":")[0] for target in EXAMPLES}
    support = {
        p
        for p in found
        if p.endswith("__init__.py") or "/wordstats/" in p or p.endswith("/inventory/render.py")
    }
    assert found - support <= listed


@pytest.mark.parametrize("target", sorted(EXAMPLES))
def test_example_builds_without_warnings(target: str):
    result = build(load_target(str(ROOT / target)).cls)
    assert result.warnings == ()
    assert result.ir.nodes


@pytest.mark.parametrize("target", sorted(t for t, check in EXAMPLES.items() if check))
def test_example_runs_locally(target: str, tmp_path: Path):
    result = run_local(str(ROOT / target), workspace=tmp_path)
    assert result.ok, {n: s.error for n, s in result.record.steps.items() if s.error}
    assert EXAMPLES[target](result.value)
