"""Each step's :class:`~axl.manifest.Manifest`, and its compact text for a pod."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from axl.dataclass_fast import dataclass
from axl.ir import IRNode, IRWorkflow
from axl.manifest import (
    CodeArchive,
    EnvStore,
    Manifest,
    ManifestInput,
    ManifestOutput,
    Packages,
)
from axl.planning.cache import CacheSettings, cache_data, step_cache
from axl.planning.paths import PathScheme
from axl.planning.steps import merged_env
from axl.planning.warm import store_data, warms

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False)
_DEFAULT_CODE = CodeArchive(path="")
_DEFAULT_RUN_ID = Manifest(workflow="m:C", step="s").run_id


@dataclass(frozen=True)
class ManifestSettings:
    """What every manifest of one lowering shares.

    ``params`` are those the manifest carries (a pod gets them as ``--param``
    arguments instead, so that its backend substitutes them); ``run_id``
    likewise (``--run-id``). ``env_store`` is where a warm step shares envs
    (see :mod:`axl.planning.warm`); steps name it only when the workflow warms.
    ``cache`` is the step cache of ``cache=True`` steps (None: no step has a
    cache section); a cached step's manifest then carries its literal env values,
    a part of its key, as a local run's does.
    """

    workflow_ref: str | None = None
    run_id: str = _DEFAULT_RUN_ID
    params: Mapping[str, Any] = field(default_factory=dict)
    code: CodeArchive | None = None
    python_path: tuple[str, ...] = ()
    packages_policy: str = "check"
    env_store: EnvStore | None = None
    cache: CacheSettings | None = None


def step_manifest(
    ir: IRWorkflow,
    node: IRNode,
    scheme: PathScheme,
    settings: ManifestSettings,
    *,
    reads_value: bool = False,
    nodes: Mapping[str, IRNode] | None = None,
) -> Manifest:
    """The manifest of one step: its inputs and output placed by ``scheme``.

    ``nodes``: the IR's node index, when the caller holds it (see
    :meth:`~axl.ir.IRWorkflow.lookups`).
    """
    index = nodes if nodes is not None else ir.lookups()[0]
    inputs = []
    for item in node.inputs:
        if item.source == "step":
            assert item.ref is not None
            upstream = index[item.ref]
            inputs.append(
                ManifestInput(
                    name=item.name,
                    path=scheme.input_path(item.name, upstream),
                    handler=upstream.output.handler,
                    mode=item.mode,
                    ref=item.ref,  # the producer: the runner checks the sidecar names it
                )
            )
        elif item.source == "param":
            inputs.append(ManifestInput(name=item.name, source="param", ref=item.ref))
        else:
            inputs.append(ManifestInput(name=item.name, source="value", value=item.value))
    output = ManifestOutput(
        path=scheme.output_path(node),
        handler=node.output.handler,
        name=node.output.name,
        value_path=scheme.value_path(node) if reads_value else None,
    )
    cache = step_cache(ir, node, settings.cache)
    requirements = tuple(dict.fromkeys((*ir.requirements, *node.packages)))
    policy = settings.packages_policy
    store = settings.env_store if requirements and warms(ir, policy) else None
    return Manifest(
        workflow=settings.workflow_ref or ir.ref,
        step=node.name,
        run_id=settings.run_id,
        params=dict(settings.params),
        inputs=tuple(inputs),
        outputs=(output,),
        code=settings.code,
        python_path=settings.python_path,
        packages=Packages(requirements=requirements, policy=policy, store=store),
        workflow_name=ir.name,
        env=_values(ir, node) if cache is not None else {},
        cache=cache,
    )


def _values(ir: IRWorkflow, node: IRNode) -> dict[str, str]:
    """The step's literal env values (a Secret's stays a reference in the pod spec)."""
    return {var.name: var.value or "" for var in merged_env(ir, node) if var.secret is None}


def manifest_data(manifest: Manifest) -> dict[str, Any]:
    """The manifest as compact data: what the runner's defaults already say is left out.

    ``packages`` is written whole when it is not the default, so a pod's
    policy is always explicit.
    """
    data: dict[str, Any] = {
        "workflow": manifest.workflow,
        "step": manifest.step,
        "outputs": [_output_data(out) for out in manifest.outputs],
    }
    if manifest.workflow_name is not None:
        data["workflow_name"] = manifest.workflow_name
    if manifest.inputs:
        data["inputs"] = [_input_data(item) for item in manifest.inputs]
    if manifest.run_id != _DEFAULT_RUN_ID:
        data["run_id"] = manifest.run_id
    if manifest.params:
        data["params"] = dict(manifest.params)
    if manifest.packages != Packages():
        packages = manifest.packages
        data["packages"] = {"requirements": list(packages.requirements), "policy": packages.policy}
        if packages.store is not None:
            data["packages"]["store"] = store_data(packages.store)
    if manifest.python_path:
        data["python_path"] = list(manifest.python_path)
    if manifest.code is not None:
        code: dict[str, Any] = {"path": manifest.code.path}
        if manifest.code.digest is not None:
            code["digest"] = manifest.code.digest
        if manifest.code.workdir != _DEFAULT_CODE.workdir:
            code["workdir"] = manifest.code.workdir
        data["code"] = code
    if manifest.env:
        data["env"] = dict(manifest.env)
    if manifest.cache is not None:
        data["cache"] = cache_data(manifest.cache)
    return data


def manifest_text(manifest: Manifest) -> str:
    """:func:`manifest_data` as compact, sorted JSON (what ``--manifest-json`` takes)."""
    return _ENCODER.encode(manifest_data(manifest))


def escaped_braces(text: str) -> str:
    """Manifest JSON with no ``{{``, so that no backend substitutes anything inside by accident.

    In compact JSON ``{{`` can only occur inside a string value, where the
    escape ``\\u007b`` means the same character to the runner.
    """
    return text.replace("{{", "{\\u007b")


def _input_data(item: ManifestInput) -> dict[str, Any]:
    if item.source == "param":
        return {"name": item.name, "source": "param", "ref": item.ref}
    if item.source == "value":
        return {"name": item.name, "source": "value", "value": item.value}
    entry: dict[str, Any] = {"name": item.name, "path": item.path, "handler": item.handler}
    if item.ref is not None:
        entry["ref"] = item.ref
    if item.mode != "object":
        entry["mode"] = item.mode
    return entry


def _output_data(out: ManifestOutput) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": out.path, "handler": out.handler}
    if out.name != "output":
        entry["name"] = out.name
    if out.value_path is not None:
        entry["value_path"] = out.value_path
    return entry
