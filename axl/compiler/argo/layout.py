"""Where things are inside a step's pod, and the manifest the runner reads there.

s3 mode (artifacts through the workflow's artifact repository)::

    /axl/inputs/<arg>/output<ext>      input artifact <arg>: the upstream's output
    /axl/inputs/<arg>/output.meta.json   directory (Argo tars it and untars it here)
    /axl/outputs/output/               output artifact ``output``: a directory with
                                       ``output<ext>`` and its sidecar ``output.meta.json``
    /axl/outputs/value.json            the return value as JSON, only for steps a
                                       ``when`` reads (output parameter ``value``)
    /axl/code/code.tar.gz              the code archive, when one is configured

pvc mode (one volume ``axl-data`` for the whole run, mounted in every step)::

    /axl/data/{{workflow.name}}/<step>/output<ext>

The manifest is compact JSON holding only what differs from the runner's
defaults; params and the run id come as ``--param`` / ``--run-id`` arguments
so that Argo substitutes them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from axl.ir import IRNode

if TYPE_CHECKING:
    from axl.compiler.argo.plan import Plan

INPUTS_DIR = "/axl/inputs"
OUTPUTS_DIR = "/axl/outputs"
OUTPUT_ARTIFACT = "output"
OUTPUT_DIR = f"{OUTPUTS_DIR}/{OUTPUT_ARTIFACT}"
VALUE_PARAMETER = "value"
VALUE_PATH = f"{OUTPUTS_DIR}/value.json"
DATA_VOLUME = "axl-data"
DATA_DIR = "/axl/data"
RUN_DIR = DATA_DIR + "/{{workflow.name}}"
CODE_ARTIFACT = "axl-code"
CODE_DIR = "/axl/code"
CODE_PATH = f"{CODE_DIR}/code.tar.gz"
RUNNER_COMMAND = ("python", "-m", "axl.runtime", "run")
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False)
_RUN_PATH = f'"path":"{RUN_DIR}/'
_ESCAPED_RUN_PATH = _RUN_PATH.replace("{{", "{\\u007b")


def input_dir(arg: str) -> str:
    """Where the input artifact of argument ``arg`` is placed (s3 mode)."""
    return f"{INPUTS_DIR}/{arg}"


def file_name(node: IRNode) -> str:
    """The name of a step's output file: ``output<ext>``."""
    return f"{node.output.name}{node.output.ext}"


def input_path(arg: str, upstream: IRNode, mode: str) -> str:
    """The file the runner reads for argument ``arg``, produced by ``upstream``."""
    if mode == "pvc":
        return f"{RUN_DIR}/{upstream.name}/{file_name(upstream)}"
    return f"{input_dir(arg)}/{file_name(upstream)}"


def output_path(node: IRNode, mode: str) -> str:
    """The file the runner writes the step's return value to."""
    if mode == "pvc":
        return f"{RUN_DIR}/{node.name}/{file_name(node)}"
    return f"{OUTPUT_DIR}/{file_name(node)}"


def manifest(plan: Plan, node: IRNode) -> dict[str, Any]:
    """The manifest of one step, as plain data (defaults of the runner left out)."""
    options = plan.options
    mode = options.artifacts
    inputs: list[dict[str, Any]] = []
    for item in node.inputs:
        if item.source == "step":
            assert item.ref is not None
            upstream = plan.nodes[item.ref]
            entry: dict[str, Any] = {
                "name": item.name,
                "path": input_path(item.name, upstream, mode),
                "handler": upstream.output.handler,
                "ref": item.ref,  # the producer: the runner checks the sidecar names it
            }
            if item.mode != "object":
                entry["mode"] = item.mode
        elif item.source == "param":
            entry = {"name": item.name, "source": "param", "ref": item.ref}
        else:
            entry = {"name": item.name, "source": "value", "value": item.value}
        inputs.append(entry)
    output: dict[str, Any] = {"path": output_path(node, mode), "handler": node.output.handler}
    if node.output.name != "output":
        output["name"] = node.output.name
    if node.name in plan.value_steps:
        output["value_path"] = VALUE_PATH
    data: dict[str, Any] = {
        "workflow": options.workflow_ref or plan.ir.ref,
        "workflow_name": plan.ir.name,
        "step": node.name,
        "outputs": [output],
    }
    if inputs:
        data["inputs"] = inputs
    requirements = list(dict.fromkeys((*plan.ir.requirements, *node.packages)))
    if requirements or options.packages_policy != "check":
        data["packages"] = {"requirements": requirements, "policy": options.packages_policy}
    if options.python_path:
        data["python_path"] = list(options.python_path)
    if options.code_archive is not None:
        code: dict[str, Any] = {"path": CODE_PATH}
        if options.code_archive.digest is not None:
            code["digest"] = options.code_archive.digest
        data["code"] = code
    return data


def manifest_json(data: dict[str, Any]) -> str:
    """Compact, sorted JSON; ``{{`` never appears, so Argo substitutes nothing inside by accident.

    In compact JSON ``{{`` can only occur inside a string value, where the
    escape ``\\u007b`` means the same character to the runner. Only the
    ``{{workflow.name}}`` that starts a pvc-mode path is left for Argo.
    """
    text = _ENCODER.encode(data)
    # The run folder is the one placeholder meant for Argo: it starts a "path" value.
    # (A literal input holding that very text would get it substituted too: harmless.)
    return text.replace("{{", "{\\u007b").replace(_ESCAPED_RUN_PATH, _RUN_PATH)
