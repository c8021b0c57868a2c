"""Shared pieces of the KFP tests: the workflows compiled, and lookups into a PipelineSpec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axl import Param, Resources, Retry, Workflow, step
from axl.dsl.loader import load_target
from axl.ir import IRWorkflow, build_ir
from tests.argo.helpers import Diamond

ROOT = Path(__file__).resolve().parents[2]
IRIS = f"{ROOT / 'examples' / 'iris_knn.py'}:IrisKNN"
REFERENCES = [
    "examples/iris_knn.py:IrisKNN",
    "examples/churn_workflow.py:ChurnWorkflow",
    "examples/quickstart.py:Hello",
    "tests/examples_wf/fan_in.py:FanIn",
]


class Tuned(Workflow):
    """Params of every KFP type, and the step options a KFP task carries."""

    name = "tuned"
    epochs = Param(3, help="passes over the data")
    rate = Param(0.5)
    verbose = Param(False)
    tag = Param(type=str, help="a label (required)")
    layers = Param([64, 32])
    extra = Param({"seed": 1})
    mode = Param("full", choices=["full", "quick"])

    @step(
        retries=Retry(count=3, backoff=2, factor=3, max_backoff=60),
        resources=Resources(cpu="500m", memory="2Gi", gpu=1),
        env={"LOG_LEVEL": "debug"},
        cache=True,
    )
    def fit(self) -> int:
        return self.epochs

    @step(io_handler="json")
    def report(self, fit: int) -> str:
        return f"{fit} {self.tag}"


def load_ir(reference: str) -> IRWorkflow:
    path, _, name = reference.partition(":")
    return build_ir(load_target(f"{ROOT / path}:{name}").cls)


def workflows() -> dict[str, IRWorkflow]:
    """Every workflow the tests compile, by pipeline name."""
    irs = [load_ir(reference) for reference in REFERENCES]
    irs += [build_ir(Diamond), build_ir(Tuned)]
    return {ir.name: ir for ir in irs}


def tasks(doc: dict[str, Any]) -> dict[str, Any]:
    tasks: dict[str, Any] = doc["root"]["dag"]["tasks"]
    return tasks


def executor_of(doc: dict[str, Any], task: str) -> dict[str, Any]:
    component = doc["components"][tasks(doc)[task]["componentRef"]["name"]]
    executor: dict[str, Any] = doc["deploymentSpec"]["executors"][component["executorLabel"]]
    return executor
