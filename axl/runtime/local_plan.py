"""The manifests of a local run: where each step reads and writes, and its environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axl.errors import ParamsError
from axl.ir import IRNode, IRWorkflow
from axl.runtime.manifest import Manifest, ManifestInput, ManifestOutput, Packages

if TYPE_CHECKING:
    from axl.runtime.local import LocalOptions


def step_manifest(
    ir: IRWorkflow,
    node: IRNode,
    params: Mapping[str, Any],
    run_dir: Path,
    run_id: str,
    options: LocalOptions,
) -> Manifest:
    """The manifest of one step of a local run: artifact paths under ``run_dir``."""
    inputs = []
    for item in node.inputs:
        if item.source == "step":
            assert item.ref is not None
            upstream = ir.get_node(item.ref)
            path = run_dir / item.ref / f"{upstream.output.name}{upstream.output.ext}"
            inputs.append(
                ManifestInput(
                    name=item.name,
                    path=str(path),
                    handler=upstream.output.handler,
                    mode=item.mode,
                    ref=item.ref,
                )
            )
        elif item.source == "param":
            inputs.append(ManifestInput(name=item.name, source="param", ref=item.ref))
        else:
            inputs.append(ManifestInput(name=item.name, source="value", value=item.value))
    output = ManifestOutput(
        path=str(run_dir / node.name / f"{node.output.name}{node.output.ext}"),
        handler=node.output.handler,
        name=node.output.name,
    )
    requirements = tuple(dict.fromkeys((*ir.requirements, *node.packages)))
    return Manifest(
        workflow=ir.ref,
        step=node.name,
        run_id=run_id,
        params=dict(params),
        inputs=tuple(inputs),
        outputs=(output,),
        code=options.archive,
        python_path=options.python_path,
        packages=Packages(requirements=requirements, policy=options.packages_policy),
        env=local_env(ir, node),
        workflow_name=ir.name,
    )


def local_env(ir: IRWorkflow, node: IRNode) -> dict[str, str]:
    """The workflow's and step's literal env values.

    A ``Secret`` is never copied into a manifest (which may be written to
    disk): the step's process inherits it from this environment, as a pod
    gets it from Kubernetes. Here it is only checked to be set.
    """
    env: dict[str, str] = {}
    for var in (*ir.env, *node.env):
        if var.secret is None:
            env[var.name] = var.value or ""
            continue
        env.pop(var.name, None)  # a step's Secret replaces a workflow value of that name
        if os.environ.get(var.name) is None:
            raise ParamsError(
                f"step {node.name!r} reads {var.name} from Secret "
                f"{var.secret.name}/{var.secret.key}; locally it comes from the environment",
                hint=f"export {var.name}=... before running locally",
                step=node.name,
            )
    return env
