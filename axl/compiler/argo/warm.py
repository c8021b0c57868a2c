"""The warm step on Argo (``warm_env``): a template that makes every step's env ready first.

It runs ``python -m axl.runtime warm`` in the workflow's image, with the
workflow's env; every task without an upstream task waits for it, so every
step starts after it. The warm step and the steps that fetch their envs
reach the env store with the code archive's S3 credentials: the Secret that
``--s3-secret`` names, as ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``
(without one, the pod's own credentials).
"""

from __future__ import annotations

from typing import Any

from axl.compiler.argo.plan import Plan
from axl.compiler.argo.templates import container_env, store_env
from axl.manifest import WARM_STEP
from axl.planning import escaped_braces
from axl.planning.warm import WARM_COMMAND, warm_manifest_text


def warm_template(plan: Plan) -> dict[str, Any]:
    """The container template of the warm step."""
    assert plan.warm is not None
    container: dict[str, Any] = {
        "image": plan.ir.image or plan.options.image,
        "command": list(WARM_COMMAND),
        "args": ["--manifest-json", escaped_braces(warm_manifest_text(plan.warm))],
    }
    env = container_env(store_env(plan, plan.ir.env))
    if env:
        container["env"] = env
    return {"name": WARM_STEP, "container": container}
