"""The workflows every graph test draws, and the IR of each."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from axl.ir import IRNode, IROutput, IRWorkflow, build_ir
from tests.fixtures.golden import ROOT, example_targets, load_class

GOLDEN = ROOT / "tests" / "golden" / "graph"

# (golden file stem, target): every example, the compile goldens' workflows, and odd names.
CASES = [
    ("quickstart", "examples/quickstart.py:Hello"),
    ("iris-knn", "examples/iris_knn.py:IrisKNN"),
    ("churn", "examples/churn_workflow.py:ChurnWorkflow"),
    ("conditions", "tests/examples_wf/conditions.py:Conditions"),
    ("cached", "tests/examples_wf/cached.py:Cached"),
    ("step-options", "tests/examples_wf/step_options.py:StepOptions"),
    ("fan-in", "tests/examples_wf/fan_in.py:FanIn"),
    ("warm-env", "tests/examples_wf/warm_env.py:WarmEnv"),
    ("odd", "tests/graphs/workflows.py:Odd"),
    ("explicit", "tests/graphs/workflows.py:Explicit"),
    ("plain", "tests/graphs/workflows.py:Plain"),
]
IDS = [stem for stem, _ in CASES]

HOSTILE = ('say "hi"', "a[b]", "a-b", "a.b", "end", "<b>&amp;", "x\ny", "#1;", "---", "数据")
"""Step names no Python method has, but an IR may: syntax of both languages, a keyword, unicode."""


@cache
def ir_of(target: str) -> IRWorkflow:
    return build_ir(load_class(target))


def golden_path(stem: str, suffix: str) -> Path:
    return GOLDEN / f"{stem}{suffix}"


def missing_examples() -> list[str]:
    return sorted(example_targets() - {target for _, target in CASES})


def ir_named(*names: str) -> IRWorkflow:
    """An IR of unconnected steps with these names, built directly (the DSL allows only
    identifiers)."""
    nodes = tuple(
        IRNode(name=n, output=IROutput(handler="pickle", ext=".pkl"), code_digest="blake3:0")
        for n in names
    )
    return IRWorkflow(name="hostile", module="m", qualname="W", nodes=nodes)
