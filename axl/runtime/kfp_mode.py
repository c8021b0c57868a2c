"""The runner's KFP mode: paths and params from KFP's executor input, outputs registered back.

``python -m axl.runtime run --manifest-json M --executor-input '{{$}}'``:
the manifest's ``kfp://`` placeholders (:mod:`axl.kfp_paths`) become the
paths of the executor input, its ``parameterValues`` become the params, and
after the step the runner writes ``executor_output.json`` to
``outputs.outputFile`` (each output artifact with axl's digest, handler and
type in its metadata): without that file KFP registers no outputs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from axl.kfp_paths import OUTPUT_ARTIFACT, VALUE_PARAMETER, artifact_uri, resolve
from axl.manifest import Manifest, ManifestError
from axl.runtime.outputs import OutputInfo


def parse_executor_input(text: str) -> dict[str, Any]:
    """The executor input JSON object; malformed text is a manifest error (exit 2)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ManifestError(f"--executor-input is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ManifestError("--executor-input must be a JSON object")
    return data


def resolved(manifest: Manifest, executor_input: Mapping[str, Any]) -> Manifest:
    """The manifest the step runs with: its placeholders resolved, its folders made."""
    manifest = resolve(manifest, executor_input)
    for out in manifest.outputs:
        os.makedirs(os.path.dirname(out.path) or ".", exist_ok=True)
    return manifest


def executor_output(
    executor_input: Mapping[str, Any],
    outputs: Sequence[OutputInfo],
    value: tuple[Any] | None = None,
) -> dict[str, Any]:
    """The ``ExecutorOutput`` JSON: the output artifact with axl's metadata, and the value.

    ``value`` is a one-tuple holding the value of output parameter ``Output``
    (for a step a ``when`` reads), or None.
    """
    artifacts: dict[str, Any] = {}
    for info in outputs:  # a step has one output: KFP's artifact "output"
        key = OUTPUT_ARTIFACT
        spec = executor_input["outputs"]["artifacts"][key]["artifacts"][0]
        artifacts[key] = {
            "artifacts": [
                {
                    "name": spec.get("name", ""),
                    "uri": artifact_uri(executor_input, "outputs", key),
                    "metadata": {
                        **spec.get("metadata", {}),
                        "axl_digest": info.digest,
                        "axl_handler": info.handler,
                        "axl_size": info.size,
                        "axl_python_type": info.python_type,
                    },
                }
            ]
        }
    document: dict[str, Any] = {"artifacts": artifacts}
    if value is not None:
        document["parameterValues"] = {VALUE_PARAMETER: value[0]}
    return document


def _rewritten_value(executor_input: Mapping[str, Any]) -> tuple[Any] | None:
    """The step's value written for a ``when`` (one-tuple), rewritten as KFP reads it.

    KFP reads an output parameter file of a text parameter as the text
    itself and any other as JSON; the runner writes JSON, so a text value
    is written again without its quotes.
    """
    spec = executor_input.get("outputs", {}).get("parameters", {}).get(VALUE_PARAMETER, {})
    path = spec.get("outputFile") if isinstance(spec, Mapping) else None
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        value = json.loads(handle.read())
    if isinstance(value, str):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(value)
    return (value,)


def write_executor_output(executor_input: Mapping[str, Any], outputs: Sequence[OutputInfo]) -> None:
    """Write :func:`executor_output` to ``outputs.outputFile`` (when KFP names one)."""
    path = executor_input.get("outputs", {}).get("outputFile")
    if not path:
        return
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    document = executor_output(executor_input, outputs, _rewritten_value(executor_input))
    text = json.dumps(document, sort_keys=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
