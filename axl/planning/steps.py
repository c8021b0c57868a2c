"""A step's effective settings: env, image, resources, retries, and warnings about them."""

from __future__ import annotations

import os
from collections.abc import Sequence

from axl.errors import ParamsError
from axl.ir import IREnvVar, IRNode, IRResources, IRRetry, IRWorkflow

_SCALARS = frozenset({"int", "float", "bool", "str", "None", "NoneType"})


def merged_env(ir: IRWorkflow, node: IRNode) -> tuple[IREnvVar, ...]:
    """Workflow env overridden by step env, sorted by name; Secrets stay references."""
    merged = {var.name: var for var in (*ir.env, *node.env)}
    return tuple(merged[name] for name in sorted(merged))


def literal_env(ir: IRWorkflow, node: IRNode) -> dict[str, str]:
    """The literal env values of a step run on this machine.

    A ``Secret`` is never copied anywhere (a manifest may be written to disk):
    the step's process inherits it from this environment, as a pod gets it
    from Kubernetes. Here it is only checked to be set.
    """
    env: dict[str, str] = {}
    for var in merged_env(ir, node):
        if var.secret is None:
            env[var.name] = var.value or ""
        elif os.environ.get(var.name) is None:
            raise ParamsError(
                f"step {node.name!r} reads {var.name} from Secret "
                f"{var.secret.name}/{var.secret.key}; locally it comes from the environment",
                hint=f"export {var.name}=... before running locally",
                step=node.name,
            )
    return env


def step_image(ir: IRWorkflow, node: IRNode, default: str) -> str:
    """The step's image, else the workflow's, else the target's default."""
    return node.image or ir.image or default


def kubernetes_resources(res: IRResources | None) -> dict[str, dict[str, str]]:
    """Requests of cpu/memory; limits of memory (its request by default), cpu and GPUs."""
    if res is None:
        return {}
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
    out: dict[str, dict[str, str]] = {}
    if requests:
        out["requests"] = requests
    if limits:
        out["limits"] = limits
    return out


def retry_delay(retry: IRRetry, attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): capped backoff."""
    delay = retry.backoff * float(retry.factor) ** (attempt - 1)
    return min(delay, retry.max_backoff) if retry.max_backoff is not None else delay


def condition_warnings(ir: IRWorkflow, nodes: Sequence[IRNode] | None = None) -> list[str]:
    """``when`` conditions on outputs a cluster backend cannot compare (not a scalar)."""
    found = []
    for node in nodes if nodes is not None else ir.nodes:
        cond = node.when
        if cond is None or cond.source != "step":
            continue
        annotation = ir.get_node(cond.ref).output.annotation
        if annotation is not None and not _is_scalar(annotation):
            found.append(
                f"step {node.name!r}: when={cond.text!r} reads step {cond.ref!r}, which "
                f"returns {annotation}; on Argo a condition compares a number, text, bool "
                "or None (return one from a small step and test that)"
            )
    return found


def _is_scalar(annotation: str) -> bool:
    text = annotation.replace(" ", "")
    if text.startswith("Optional[") and text.endswith("]"):
        text = text[len("Optional[") : -1]
    return all(part in _SCALARS for part in text.split("|"))
