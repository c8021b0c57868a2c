"""The placeholders of a KFP manifest, and how they resolve against KFP's executor input.

KFP chooses artifact locations at run time and hands them to each container
as its executor input (``{{$}}``). A manifest compiled for KFP holds these
placeholders in place of paths; the runner's KFP mode replaces them::

    kfp://inputs/<arg>/<file>     <file> in the folder of input artifact <arg>
    kfp://outputs/<key>/<file>    <file> in the folder of output artifact <key>
    kfp://inputs/axl_code         the code archive (input artifact ``axl_code``, a file)
    kfp://outputs/value           the file of output parameter ``Output`` (the step's
                                  value, for a ``when``; named as the kfp SDK names a
                                  component's return value)

Params come from ``inputs.parameterValues`` (typed JSON values). Standard
library only: the runner imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from axl.manifest import Manifest, ManifestError, ManifestInput, ManifestOutput

PLACEHOLDER = "kfp://"
INPUTS = f"{PLACEHOLDER}inputs"
OUTPUTS = f"{PLACEHOLDER}outputs"
OUTPUT_ARTIFACT = "output"
VALUE_PARAMETER = "Output"
VALUE_PATH = f"{OUTPUTS}/value"
RUN_ID_INPUT = "axl_run_id"
"""The task input that carries KFP's run uuid."""
CODE_INPUT = "axl_code"
CODE_PATH = f"{INPUTS}/{CODE_INPUT}"
"""The code archive: the file of input artifact ``axl_code`` itself."""

# Where KFP's launcher mounts an artifact of each remote scheme in the container.
_MOUNTS = (("gs://", "/gcs/"), ("minio://", "/minio/"), ("s3://", "/s3/"), ("oci://", "/oci/"))


def local_path(uri: str) -> str:
    """The container path of an artifact URI (a local URI is its own path)."""
    for scheme, mount in _MOUNTS:
        if uri.startswith(scheme):
            return mount + uri[len(scheme) :]
    return uri.removeprefix("file://")


def artifact_uri(executor_input: Mapping[str, Any], side: str, key: str) -> str:
    """The URI of the first artifact of ``inputs``/``outputs`` key ``key``."""
    try:
        uri = executor_input[side]["artifacts"][key]["artifacts"][0]["uri"]
    except (KeyError, IndexError, TypeError):
        raise ManifestError(
            f"the executor input has no {side} artifact {key!r}",
            hint="the pipeline and the runner disagree: recompile with this axl version",
        ) from None
    if not isinstance(uri, str) or not uri:
        raise ManifestError(f"the executor input's {side} artifact {key!r} has no URI")
    return uri


def resolve(manifest: Manifest, executor_input: Mapping[str, Any]) -> Manifest:
    """``manifest`` with every placeholder replaced and the params of the executor input."""
    inputs = tuple(_input(item, executor_input) for item in manifest.inputs)
    outputs = tuple(_output(out, executor_input) for out in manifest.outputs)
    given = executor_input.get("inputs", {}).get("parameterValues", {})
    if not isinstance(given, Mapping):
        raise ManifestError("the executor input's inputs.parameterValues is not an object")
    params = {k: _integral(v) for k, v in given.items() if k != RUN_ID_INPUT}
    run_id = given.get(RUN_ID_INPUT) if manifest.run_id.startswith("{{") else None
    code = manifest.code
    if code is not None and code.path == CODE_PATH:
        code = replace(code, path=local_path(artifact_uri(executor_input, "inputs", CODE_INPUT)))
    return replace(
        manifest,
        code=code,
        inputs=inputs,
        outputs=outputs,
        params={**manifest.params, **params},
        run_id=str(run_id) if run_id else manifest.run_id,
    )


def _input(item: ManifestInput, executor_input: Mapping[str, Any]) -> ManifestInput:
    if item.path is None or not item.path.startswith(INPUTS + "/"):
        return item
    key, _, file = item.path[len(INPUTS) + 1 :].partition("/")
    folder = local_path(artifact_uri(executor_input, "inputs", key))
    return replace(item, path=f"{folder}/{file}")


def _output(out: ManifestOutput, executor_input: Mapping[str, Any]) -> ManifestOutput:
    path, value_path = out.path, out.value_path
    if path.startswith(OUTPUTS + "/"):
        key, _, file = path[len(OUTPUTS) + 1 :].partition("/")
        path = f"{local_path(artifact_uri(executor_input, 'outputs', key))}/{file}"
    if value_path == VALUE_PATH:
        try:
            value_path = executor_input["outputs"]["parameters"][VALUE_PARAMETER]["outputFile"]
        except (KeyError, TypeError):
            raise ManifestError(
                f"the executor input has no output parameter {VALUE_PARAMETER!r}"
            ) from None
    return replace(out, path=path, value_path=value_path)


def _integral(value: Any) -> Any:
    """KFP's numbers are doubles: ``5.0`` of an integer parameter is the int ``5`` again."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
