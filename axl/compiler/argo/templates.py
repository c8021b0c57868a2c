"""One container template per step: the runner command, artifacts, resources, retries, env."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from axl.compiler.argo import layout
from axl.compiler.argo.options import ArgoCodeArchive, ArgoOptions
from axl.compiler.argo.plan import Plan, StepNames
from axl.ir import IREnvVar, IRNode, IRRetry, IRSecretRef
from axl.planning import RUNNER_COMMAND, StepPlan, kubernetes_resources, runner_args, step_image
from axl.planning.cache import with_credentials

ACCESS_KEY_VAR = "AWS_ACCESS_KEY_ID"
SECRET_KEY_VAR = "AWS_SECRET_ACCESS_KEY"


def container_template(plan: Plan, step: StepPlan) -> dict[str, Any]:
    """The template that runs one step with the runner."""
    options = plan.options
    node = step.node
    names = plan.names[node.name]
    params = [(p.name, f"{{{{workflow.parameters.{p.argo_name}}}}}") for p in plan.params]
    container: dict[str, Any] = {
        "image": step_image(plan.ir, node, options.image),
        "command": list(RUNNER_COMMAND),
        "args": runner_args(layout.manifest_json(step.manifest), layout.RUN_ID, params),
    }
    shares_env = plan.warm is not None and step.manifest.packages.store is not None
    step_env = store_env(plan, step.env) if shares_env else step.env
    if step.manifest.cache is not None:
        step_env = with_credentials(step_env, options.cache_secret)
    env = container_env(step_env)
    if env:
        container["env"] = env
    resources = kubernetes_resources(node.resources)
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
    if step.reads_value:
        outputs["parameters"] = [
            {"name": layout.VALUE_PARAMETER, "valueFrom": {"path": layout.VALUE_PATH}}
        ]
    if outputs:
        template["outputs"] = outputs
    if step.retries is not None:
        template["retryStrategy"] = retry_strategy(step.retries)
    if step.timeout is not None:
        template["activeDeadlineSeconds"] = str(math.ceil(step.timeout))
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


def container_env(env: Sequence[IREnvVar]) -> list[dict[str, Any]]:
    """The container's env (merged and sorted by the lowering); Secrets stay references."""
    out: list[dict[str, Any]] = []
    for var in env:
        if var.secret is not None:
            ref = {"name": var.secret.name, "key": var.secret.key}
            out.append({"name": var.name, "valueFrom": {"secretKeyRef": ref}})
        else:
            out.append({"name": var.name, "value": var.value or ""})
    return out


def store_env(plan: Plan, env: Sequence[IREnvVar]) -> tuple[IREnvVar, ...]:
    """``env`` and the env store's credentials (unless ``env`` sets them), sorted by name."""
    merged = {var.name: var for var in env}
    archive = plan.options.code_archive
    if archive is not None and archive.access_key_secret and archive.secret_key_secret:
        for name, secret in (
            (ACCESS_KEY_VAR, archive.access_key_secret),
            (SECRET_KEY_VAR, archive.secret_key_secret),
        ):
            ref = IRSecretRef(name=secret.name, key=secret.key)
            merged.setdefault(name, IREnvVar(name=name, secret=ref))
    return tuple(merged[name] for name in sorted(merged))


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
