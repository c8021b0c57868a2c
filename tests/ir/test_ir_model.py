"""The IR: canonical JSON, hashing, lookup, traversal at scale."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from axl import Workflow, step
from axl.dsl.loader import load_target
from axl.ir import IRWorkflow, build

ROOT = Path(__file__).resolve().parents[2]


def _hash_in_fresh_process(target: str, cwd: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "axl", "validate", "-m", target, "--json"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)["hash"]


def test_hash_is_stable_across_processes_and_changes_with_a_step_body(tmp_path):
    work = tmp_path / "wf"
    work.mkdir()
    shutil.copy(ROOT / "examples" / "iris_knn.py", work / "iris_knn.py")
    first = _hash_in_fresh_process("iris_knn.py:IrisKNN", work)
    second = _hash_in_fresh_process("iris_knn.py:IrisKNN", work)
    assert first == second
    assert first.startswith("blake3:") and len(first) == len("blake3:") + 64
    # The same file elsewhere on disk gives the same hash (no absolute paths inside).
    other = tmp_path / "elsewhere"
    shutil.copytree(work, other)
    assert _hash_in_fresh_process("iris_knn.py:IrisKNN", other) == first
    source = (work / "iris_knn.py").read_text()
    changed = source.replace(
        "return float(model.score(x_test, y_test))",
        "return float(model.score(x_test, y_test)) * 1.0",
    )
    assert changed != source
    (work / "iris_knn.py").write_text(changed)
    assert _hash_in_fresh_process("iris_knn.py:IrisKNN", work) != first


def test_json_round_trip_is_canonical():
    ir = build(load_target(str(ROOT / "examples" / "churn_workflow.py")).cls).ir
    text = ir.to_json()
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    again = IRWorkflow.from_json(text)
    assert again == ir
    assert again.to_json() == text
    assert again.compute_hash() == ir.compute_hash()


def test_ir_is_immutable():
    ir = build(load_target(str(ROOT / "examples" / "iris_knn.py")).cls).ir
    with pytest.raises(Exception):
        ir.name = "other"  # type: ignore[misc]
    with pytest.raises(Exception):
        ir.nodes[0].name = "other"  # type: ignore[misc]


def test_lookup_and_neighbours():
    ir = build(load_target(str(ROOT / "examples" / "churn_workflow.py")).cls).ir
    assert ir.get_node("score").name == "score"
    assert sorted(ir.upstream("score")) == ["billing_features", "params", "usage_features"]
    assert sorted(ir.downstream("load")) == ["billing_features", "usage_features"]
    assert ir.sinks() == ["score"]
    with pytest.raises(KeyError, match="has no step 'nope'"):
        ir.get_node("nope")


def chain_workflow(n: int) -> type[Workflow]:
    """A generated chain s0 -> s1 -> ... of n steps (name-bound parameters)."""
    namespace: dict[str, object] = {}
    code = ["def s0(self) -> int:\n    return 0\n"]
    code += [
        f"def s{i}(self, s{i - 1}: int) -> int:\n    return s{i - 1} + 1\n" for i in range(1, n)
    ]
    exec("\n".join(code), namespace)  # noqa: S102
    body = {f"s{i}": step(namespace[f"s{i}"]) for i in range(n)}
    return type(f"Chain{n}", (Workflow,), body)


def test_a_ten_thousand_step_chain_builds_without_recursion():
    ir = build(chain_workflow(10_000)).ir
    assert len(ir.nodes) == 10_000
    assert len(ir.edges) == 9_999
    order = ir.topological_order()
    assert order[0] == "s0" and order[-1] == "s9999"
    assert ir.get_node("s5000").inputs[0].ref == "s4999"


def test_an_edited_and_reloaded_workflow_hashes_its_new_source(tmp_path, monkeypatch):
    import importlib

    source = (
        "from axl import Workflow, step\n\n\n"
        "class Edited(Workflow):\n"
        "    @step\n"
        "    def only(self) -> int:\n"
        "        return {value}\n"
    )
    module_file = tmp_path / "edited_flow.py"
    module_file.write_text(source.format(value=1))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("edited_flow")
    try:
        first = build(module.Edited).ir
        module_file.write_text(source.format(value=100))  # another size: a new stat
        module = importlib.reload(module)
        second = build(module.Edited).ir
    finally:
        sys.modules.pop("edited_flow", None)
    assert second.nodes[0].code_digest != first.nodes[0].code_digest
    assert second.compute_hash() != first.compute_hash()
