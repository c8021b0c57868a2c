"""Everything the job module is written from, computed once per compile: the lowering and names.

Manifests are lowered with the run-folder scheme rooted at the placeholder
:data:`axl.dagster_paths.RUN_DIR`, which each op resolves to
``<workspace>/runs/<Dagster run id>``; they carry the step's literal env
values (the runner sets them for the step), never a Secret's.

Names: an op is named after its step unless Dagster refuses the name
(``input``, ``config``...; then ``<step>_step``). Each op's function, the
job's function and the job body's variables get Python names that clash
with nothing else in the module, so any step names compile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from axl.compiler.dagster.config import ParamField, param_fields
from axl.compiler.dagster.options import DagsterOptions, check_job_name, is_dagster_name
from axl.dagster_paths import RUN_DIR
from axl.dataclass_fast import dataclass
from axl.ir import IRRetry, IRWorkflow
from axl.planning import (
    Lowering,
    ManifestSettings,
    RunFolder,
    StepPlan,
    kubernetes_resources,
    lower,
    manifest_data,
    retry_delay,
)

K8S_CONFIG_TAG = "dagster-k8s/config"
"""The op tag that ``dagster-k8s`` reads a pod's container settings from."""
MODULE_NAMES = frozenset(
    {
        "dg", "Any", "Field", "Literal", "AxlStep", "AxlWorkflow", "AxlWorkspace", "Params",
        "WORKFLOW", "params_to_every_op", "defs",
    }
)  # fmt: skip
"""The names the module defines or imports besides the ops and the job."""


@dataclass(frozen=True)
class Retry:
    """An op's ``RetryPolicy``: retries, the base delay, and whether it grows exponentially."""

    max_retries: int
    delay: float | None
    exponential: bool


@dataclass(frozen=True)
class OpPlan:
    """One step as an op."""

    step: StepPlan
    op: str
    function: str
    variable: str | None
    """The job body's name of its result (None when nothing waits for it)."""
    ins: tuple[str, ...]
    """The op names it waits for: its ``In(Nothing)`` inputs, named after them."""
    manifest: dict[str, Any]
    secret_env: dict[str, str]
    """Variable -> ``secret/key`` of the Secret it comes from (on Kubernetes)."""
    retry: Retry | None
    k8s: dict[str, Any] | None
    """The ``dagster-k8s/config`` tag: resources and the Secret env of the op's pod."""


@dataclass(frozen=True)
class Plan:
    """The lowered workflow and every name the module needs."""

    ir: IRWorkflow
    options: DagsterOptions
    lowering: Lowering
    job: str
    job_function: str
    ops: Mapping[str, OpPlan]
    """By step, in topological order."""
    fields: list[ParamField]
    warnings: tuple[str, ...]


def make_plan(ir: IRWorkflow, options: DagsterOptions) -> Plan:
    """Lower the IR with the placeholder run folder and name everything; O(steps + edges)."""
    settings = ManifestSettings(
        python_path=options.python_path,
        packages_policy=options.packages_policy,
        cache=options.cache,
    )
    lowering = lower(ir, RunFolder(RUN_DIR), settings)
    order = ir.topological_order()
    op_names = _op_names(order)
    taken = set(MODULE_NAMES)
    functions = {step: _free(op_names[step], "_op", taken) for step in order}
    job = check_job_name(options.name or _job_name(ir.name))
    job_function = _free(job, "_job", taken)
    consumed = {up for step in order for up in lowering.steps[step].upstream}
    variables = {
        step: _free(f"{op_names[step]}_done", "_", taken) for step in order if step in consumed
    }
    ops = {}
    for step in order:
        plan = lowering.steps[step]
        ops[step] = OpPlan(
            step=plan,
            op=op_names[step],
            function=functions[step],
            variable=variables.get(step),
            ins=tuple(op_names[up] for up in plan.upstream),
            manifest=_manifest(plan),
            secret_env={
                var.name: f"{var.secret.name}/{var.secret.key}"
                for var in plan.env
                if var.secret is not None
            },
            retry=_retry(plan.retries),
            k8s=_k8s_config(plan),
        )
    return Plan(
        ir=ir,
        options=options,
        lowering=lowering,
        job=job,
        job_function=job_function,
        ops=ops,
        fields=param_fields(lowering.params),
        warnings=tuple(_warnings(ir, lowering)),
    )


def _op_names(order: list[str]) -> dict[str, str]:
    """Each step's op name: the step's own, unless Dagster refuses it."""
    steps = set(order)
    names: dict[str, str] = {}
    used: set[str] = set()
    for step in order:
        name = step if is_dagster_name(step) else f"{step}_step"
        while name != step and (name in steps or name in used):
            name += "_"
        used.add(name)
        names[step] = name
    return names


def _free(name: str, suffix: str, taken: set[str]) -> str:
    """``name``, or it with ``suffix`` (then ``_``) until no other module name is it."""
    if name in taken:
        name += suffix
        while name in taken:
            name += "_"
    taken.add(name)
    return name


def _job_name(workflow: str) -> str:
    name = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else "_" for ch in workflow)
    return name if is_dagster_name(name) else f"{name}_job"


def _manifest(step: StepPlan) -> dict[str, Any]:
    env = {var.name: var.value or "" for var in step.env if var.secret is None}
    return manifest_data(replace(step.manifest, env=env))


def _retry(retry: IRRetry | None) -> Retry | None:
    if retry is None:
        return None
    delay = retry.backoff or None
    return Retry(retry.count, delay, exponential=delay is not None and retry.factor > 1)


def dagster_delay(retry: Retry, attempt: int) -> float:
    """What Dagster waits after failed attempt ``attempt``: its exponential is ``d(2^n - 1)``."""
    base = retry.delay or 0.0
    return base * (2**attempt - 1) if retry.exponential else base


def _k8s_config(step: StepPlan) -> dict[str, Any] | None:
    container: dict[str, Any] = {}
    resources = kubernetes_resources(step.node.resources)
    if resources:
        container["resources"] = resources
    secrets = [
        {
            "name": var.name,
            "value_from": {"secret_key_ref": {"name": var.secret.name, "key": var.secret.key}},
        }
        for var in step.env
        if var.secret is not None
    ]
    if secrets:
        container["env"] = secrets
    return {"container_config": container} if container else None


def _warnings(ir: IRWorkflow, lowering: Lowering) -> list[str]:
    found = []
    for step in lowering.steps.values():
        retry = _retry(step.retries)
        if retry is None or step.retries is None:
            continue
        ours = [retry_delay(step.retries, n) for n in range(1, retry.max_retries + 1)]
        theirs = [dagster_delay(retry, n) for n in range(1, retry.max_retries + 1)]
        if ours != theirs:
            found.append(
                f"step {step.name!r}: Dagster waits {_seconds(theirs)} between its retries "
                f"(axl run local: {_seconds(ours)}); a RetryPolicy's backoff doubles, "
                "without a cap"
            )
    if ir.warm_env:
        found.append(
            f"workflow {ir.name!r} sets warm_env: the Dagster target has no warm step; each "
            "op installs what it lacks into the env cache of the host it runs on, shared "
            "by the later ops there"
        )
    images = sorted({image for image in (ir.image, *(n.image for n in ir.nodes)) if image})
    if images:
        found.append(
            f"workflow {ir.name!r} names images ({', '.join(images)}): Dagster runs every "
            "op in its code location's environment, whatever image a step names"
        )
    return found


def _seconds(delays: list[float]) -> str:
    return ", ".join(f"{d:g}s" for d in delays)
