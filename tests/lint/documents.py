"""Small Argo documents for lint tests: fresh dicts that tests mutate."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "argo"
"""Argo's original schemas and examples, beside the repository (absent in a plain checkout)."""


def findings(doc: Any, rule: str | None = None, **options: Any) -> list[tuple[str, str, str]]:
    """(path, rule, message) of each finding, optionally of one rule only."""
    from axl.compiler.argo.lint import lint_document

    return [
        (f.path, f.rule, f.message)
        for f in lint_document(doc, **options)
        if rule is None or f.rule == rule
    ]


def container(
    name: str, *, inputs: Any = None, outputs: Any = None, **extra: Any
) -> dict[str, Any]:
    template: dict[str, Any] = {
        "name": name,
        "container": {"image": "busybox", "command": ["sh", "-c"], "args": ["true"]},
    }
    if inputs:
        template["inputs"] = inputs
    if outputs:
        template["outputs"] = outputs
    template.update(extra)
    return template


def workflow(*templates: dict[str, Any], kind: str = "Workflow", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"entrypoint": "main", "templates": list(templates)}
    body.update(spec)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": "demo"} if kind != "Workflow" else {"generateName": "demo-"},
        "spec": body,
    }


_PIPELINE = workflow(
    {
        "name": "main",
        "dag": {
            "tasks": [
                {"name": "produce", "template": "produce"},
                {
                    "name": "consume",
                    "template": "consume",
                    "depends": "produce",
                    "arguments": {
                        "parameters": [
                            {
                                "name": "count",
                                "value": "{{tasks.produce.outputs.parameters.count}}",
                            },
                            {"name": "greeting", "value": "{{workflow.parameters.greeting}}"},
                        ],
                        "artifacts": [
                            {"name": "data", "from": "{{tasks.produce.outputs.artifacts.data}}"}
                        ],
                    },
                },
                {"name": "report", "template": "report", "depends": "consume"},
            ]
        },
    },
    container(
        "produce",
        outputs={
            "artifacts": [{"name": "data", "path": "/tmp/data"}],
            "parameters": [{"name": "count", "valueFrom": {"path": "/tmp/count"}}],
        },
    ),
    container(
        "consume",
        inputs={
            "parameters": [{"name": "count"}, {"name": "greeting"}],
            "artifacts": [{"name": "data", "path": "/in/data"}],
        },
        container={
            "image": "busybox",
            "command": ["sh", "-c"],
            "args": ["wc {{inputs.artifacts.data.path}} {{inputs.parameters.count}}"],
        },
    ),
    container("report"),
    arguments={"parameters": [{"name": "greeting", "value": "hello"}]},
)


def pipeline() -> dict[str, Any]:
    """A valid DAG Workflow: produce -> consume (artifact and parameter) -> report."""
    return copy.deepcopy(_PIPELINE)


def task(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """The DAG task ``name`` of the first template."""
    tasks: list[dict[str, Any]] = doc["spec"]["templates"][0]["dag"]["tasks"]
    return next(t for t in tasks if t["name"] == name)


def big_workflow(n: int) -> dict[str, Any]:
    """A chain of ``n`` DAG tasks, each its own container template with artifacts in and out."""
    tasks: list[dict[str, Any]] = []
    templates: list[dict[str, Any]] = [{"name": "main", "dag": {"tasks": tasks}}]
    for i in range(n):
        name = f"step-{i}"
        templates.append(
            container(
                name,
                inputs={
                    "artifacts": [{"name": "x", "path": "/in/x"}],
                    "parameters": [{"name": "p"}],
                },
                outputs={"artifacts": [{"name": "out", "path": "/out/out"}]},
                container={
                    "image": "python:3.11",
                    "command": ["python", "-m", "axl.runtime"],
                    "args": ["--step", name, "--p", "{{inputs.parameters.p}}"],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                },
                retryStrategy={"limit": 2},
            )
        )
        source = (
            {"from": f"{{{{tasks.step-{i - 1}.outputs.artifacts.out}}}}"}
            if i
            else {"raw": {"data": "seed"}}
        )
        entry: dict[str, Any] = {
            "name": name,
            "template": name,
            "arguments": {
                "parameters": [{"name": "p", "value": "{{workflow.parameters.p}}"}],
                "artifacts": [{"name": "x", **source}],
            },
        }
        if i:
            entry["dependencies"] = [f"step-{i - 1}"]
        tasks.append(entry)
    return workflow(*templates, arguments={"parameters": [{"name": "p", "value": "1"}]})
