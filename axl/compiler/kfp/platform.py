"""The Kubernetes platform spec: what KFP's ``PipelineSpec`` has no field for.

KFP reads it from the pipeline file's second YAML document (``platforms:
kubernetes: deploymentSpec: executors: ...``), as the kfp SDK writes it when
``kfp-kubernetes`` is used: per executor, the env vars that come from a
Secret (``secretAsEnv``: the Secret's name and keys, never a value) and the
pod's ``activeDeadlineSeconds`` for a step's ``timeout`` (each attempt's
pod gets the whole timeout, as on Argo). The warm step (``warm_env``) gets
the workflow's Secret env vars; a step with a cache section also gets the
cache store's S3 credentials (``--cache-secret``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from axl.compiler.kfp.plan import Plan
from axl.ir import IREnvVar
from axl.planning import StepPlan
from axl.planning.cache import with_credentials


def platform_spec(plan: Plan) -> dict[str, Any] | None:
    """The ``PlatformSpec`` JSON of the pipeline, or None when no step needs one."""
    executors: dict[str, Any] = {}
    if plan.warm_names is not None:
        secrets = secret_env(plan.ir.env)
        if secrets:
            executors[plan.warm_names.executor] = {"secretAsEnv": secrets}
    for step in plan.lowering.steps.values():
        config = executor_config(step, plan.options.cache_secret)
        if config:
            executors[plan.names[step.name].executor] = config
    if not executors:
        return None
    return {"platforms": {"kubernetes": {"deploymentSpec": {"executors": executors}}}}


def executor_config(step: StepPlan, cache_secret: str | None = None) -> dict[str, Any]:
    """One executor's ``KubernetesExecutorConfig`` JSON (empty when it needs nothing); a
    cached step gets the cache store's credentials from ``cache_secret``."""
    config: dict[str, Any] = {}
    env = step.env
    if step.manifest.cache is not None:
        env = with_credentials(env, cache_secret)
    secrets = secret_env(env)
    if secrets:
        config["secretAsEnv"] = secrets
    if step.timeout is not None:
        config["activeDeadlineSeconds"] = str(max(1, math.ceil(step.timeout)))
    return config


def secret_env(env: Sequence[IREnvVar]) -> list[dict[str, Any]]:
    """``secretAsEnv`` entries for the env vars that come from a Secret (one per Secret)."""
    by_secret: dict[str, list[dict[str, str]]] = {}
    for var in env:
        if var.secret is not None:
            keys = by_secret.setdefault(var.secret.name, [])
            keys.append({"envVar": var.name, "secretKey": var.secret.key})
    return [
        {
            "keyToEnv": keys,
            "optional": False,
            "secretName": name,
            "secretNameParameter": {"runtimeValue": {"constant": name}},
        }
        for name, keys in by_secret.items()
    ]
