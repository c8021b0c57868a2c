"""One container template per step: the runner command, artifacts, resources, retries, env."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from axl.compiler.argo import layout
from axl.compiler.argo.options import ArgoCodeArchive, ArgoOptions
from axl.compiler.argo.plan import Plan, StepNames, WorkflowParam
from axl.ir import IREnvVar, IRNode, IRResources, IRRetry


def runner_args(manifest_text: str, params: Sequence[WorkflowParam]) -> list[str]:
    """``--manifest-json``, ``--run-id`` and one ``--param k={{workflow.parameters.k}}`` each."""
    args = ["--manifest-json", manifest_text, "--run-id", "{{workflow.name}}"]
    for param in params:
        args += ["--param", f"{param.name}={{{{workflow.parameters.{param.argo_name}}}}}"]
    return args


def container_template(plan: Plan, node: IRNode) -> dict[str, Any]:
    """The template that runs ``node`` with the runner."""
    options = plan.options
    names = plan.names[node.name]
    container: dict[str, Any] = {
        "image": node.image or plan.ir.image or options.image,
        "command": list(layout.RUNNER_COMMAND),
        "args": runner_args(layout.manifest_json(layout.manifest(plan, node)), plan.params),
    }
    env = container_env(plan.ir.env, node.env)
    if env:
        container["env"] = env
    if node.resources is not None:
        resources = container_resources(node.resources)
        if resources:
            container["resources"] = resources
    template: dict[str, Any] = {"name": names.template, "container": container}
    inputs = _input_artifacts(node, names, options)
    if inputs:
        template["inputs"] = {"artifacts": inputs}
    outputs: dict[str, Any] = {}
    if options.artifacts == "s3":
        outputs["artifacts"] = [{"name": layout.OUTPUT_ARTIFACT, "path": layout.OUTPUT_DIR}]
    else:
        container["volumeMounts"] = [{"name": layout.DATA_VOLUME, "mountPath": layout.DATA_DIR}]
    if node.name in plan.value_steps:
        outputs["parameters"] = [
            {"name": layout.VALUE_PARAMETER, "valueFrom": {"path": layout.VALUE_PATH}}
        ]
    if outputs:
        template["outputs"] = outputs
    if node.retries is not None and node.retries.count > 0:
        template["retryStrategy"] = retry_strategy(node.retries)
    if node.timeout is not None:
        template["activeDeadlineSeconds"] = str(math.ceil(node.timeout))
    return template


def _input_artifacts(node: IRNode, names: StepNames, options: ArgoOptions) -> list[dict[str, Any]]:
    artifacts: list[dict[str, Any]] = []
    if options.artifacts == "s3":
        for item in node.inputs:
            if item.source == "step":
                artifacts.append(
                    {"name": names.inputs[item.name], "path": layout.input_dir(item.name)}
                )
    if options.code_archive is not None:
        artifacts.append(code_artifact(options.code_archive))
    return artifacts


def code_artifact(archive: ArgoCodeArchive) -> dict[str, Any]:
    """The code archive as an input artifact, kept as the file it is (``archive: none``)."""
    s3: dict[str, Any] = {"key": archive.key}
    if archive.bucket is not None:
        s3["bucket"] = archive.bucket
    if archive.endpoint is not None:
        s3["endpoint"] = archive.endpoint
    if archive.insecure is not None:
        s3["insecure"] = archive.insecure
    if archive.access_key_secret is not None and archive.secret_key_secret is not None:
        s3["accessKeySecret"] = {
            "name": archive.access_key_secret.name,
            "key": archive.access_key_secret.key,
        }
        s3["secretKeySecret"] = {
            "name": archive.secret_key_secret.name,
            "key": archive.secret_key_secret.key,
        }
    return {
        "name": layout.CODE_ARTIFACT,
        "path": layout.CODE_PATH,
        "archive": {"none": {}},
        "s3": s3,
    }


def container_env(
    workflow_env: Sequence[IREnvVar], step_env: Sequence[IREnvVar]
) -> list[dict[str, Any]]:
    """Workflow env overridden by step env, sorted by name; Secrets stay references."""
    merged = {var.name: var for var in (*workflow_env, *step_env)}
    env: list[dict[str, Any]] = []
    for name in sorted(merged):
        var = merged[name]
        if var.secret is not None:
            ref = {"name": var.secret.name, "key": var.secret.key}
            env.append({"name": name, "valueFrom": {"secretKeyRef": ref}})
        else:
            env.append({"name": name, "value": var.value or ""})
    return env


def container_resources(res: IRResources) -> dict[str, Any]:
    """Requests of cpu/memory; limits of memory (its request by default), cpu and GPUs."""
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    if res.cpu is not None:
        requests["cpu"] = res.cpu
    if res.memory is not None:
        requests["memory"] = res.memory
    memory_limit = res.memory_limit or res.memory
    if memory_limit is not None:
        limits["memory"] = memory_limit
    if res.cpu_limit is not None:
        limits["cpu"] = res.cpu_limit
    if res.gpu:
        limits["nvidia.com/gpu"] = str(res.gpu)
    out: dict[str, Any] = {}
    if requests:
        out["requests"] = requests
    if limits:
        out["limits"] = limits
    return out


def retry_strategy(retry: IRRetry) -> dict[str, Any]:
    """``limit`` retries after the first attempt, on any failure, with capped backoff."""
    strategy: dict[str, Any] = {"limit": str(retry.count), "retryPolicy": "Always"}
    if retry.backoff > 0:
        backoff = {"duration": duration(retry.backoff), "factor": str(retry.factor)}
        if retry.max_backoff is not None:
            backoff["cap"] = duration(retry.max_backoff)
        strategy["backoff"] = backoff
    return strategy


def duration(seconds: float) -> str:
    """A Go duration text: whole seconds as ``30s``, otherwise milliseconds (``1500ms``)."""
    if float(seconds).is_integer():
        return f"{int(seconds)}s"
    return f"{round(seconds * 1000)}ms"
