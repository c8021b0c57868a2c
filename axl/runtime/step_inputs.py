"""What a step of a local run would consume now, read from the run record.

The local engine asks these as it goes: a step's key from the outputs its
upstream steps hold now (to start it, to check a kept result against, to key
the cache), and whether its ``when`` holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from blake3 import blake3

from axl._version import __version__
from axl.dsl.conditions import evaluate_condition
from axl.ir import IRNode, IRWorkflow
from axl.manifest import Manifest
from axl.runtime.record import DONE_OK, SKIPPED, STALE, StepRecord


def current_key(
    ir: IRWorkflow, steps: Mapping[str, StepRecord], manifest: Manifest, name: str
) -> str | None:
    """The step's key from the outputs its upstream steps hold now; None while one is to run."""
    digests: dict[str, str | None] = {}
    for up in ir.upstream(name):
        record = steps[up]
        if record.status in (*DONE_OK, STALE):  # a stale step's files are still its outputs
            digests[up] = record.outputs[0].digest if record.outputs else None
        elif record.status == SKIPPED:
            digests[up] = None
        else:
            return None
    return step_key(ir, ir.get_node(name), manifest, digests)


def step_key(
    ir: IRWorkflow, node: IRNode, manifest: Manifest, upstream: Mapping[str, str | None]
) -> str:
    """A digest of what the step consumes in this run, to tell when its result went stale.

    ``upstream`` maps each upstream step to its output's digest (``None`` when
    skipped). This is the run record's key, not the step cache's (see
    :mod:`axl.runtime.cache_key`, which also covers the project's code and the
    environment): it is computed by the engine from the record alone.
    """
    inputs: list[Any] = []
    for item in node.inputs:
        if item.source == "step":
            inputs.append([item.name, "step", item.ref, upstream.get(item.ref or ""), item.mode])
        else:
            inputs.append([item.name, item.source, item.ref, item.value])
    env = [
        [var.name, "secret", var.secret.name, var.secret.key]
        if var.secret is not None
        else [var.name, "value", var.value]
        for var in (*ir.env, *node.env)
    ]
    material = {
        "axl": __version__,
        "step": node.name,
        "code": node.code_digest,
        "handler": node.output.handler,
        "inputs": inputs,
        "upstream": sorted([name, upstream.get(name)] for name in ir.upstream(node.name)),
        "params": manifest.params,
        "env": env,
        "when": node.when.to_dict() if node.when is not None else None,
    }
    text = json.dumps(material, sort_keys=True, default=repr)
    return blake3(text.encode()).hexdigest()[:32]


def condition_holds(
    ir: IRWorkflow, params: Mapping[str, Any], steps: Mapping[str, StepRecord], node: IRNode
) -> bool:
    """Whether the step's ``when`` holds, from the run's params or its upstream's output."""
    cond = node.when
    assert cond is not None
    if cond.source == "param":
        value = params.get(cond.ref)
        if value is None:
            value = next((p.default for p in ir.params if p.name == cond.ref), None)
        return evaluate_condition(cond.op, value, cond.value)
    return output_holds(cond.op, cond.value, Path(steps[cond.ref].outputs[0].path))


def output_holds(op: str, expected: Any, output: Path) -> bool:
    """Whether a ``when`` on an upstream step's output holds, the output read from its file."""
    from axl.io.artifacts import read_artifact

    return evaluate_condition(op, read_artifact(output), expected)
