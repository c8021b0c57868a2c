"""The warm step of a workflow with ``warm_env``: whether it runs, its manifest, its store.

With ``warm_env = True`` and the ``install`` packages policy, a first step
(``python -m axl.runtime warm``) makes the env of every step's requirement
set ready before the steps start. Locally it fills this machine's env cache;
on Argo and KFP it also packs each env into the env store, ``<code
prefix>/envs`` beside the code archive, and each step's manifest names that
store so that a pod on another machine fetches its env instead of
installing it. Without a code archive there is no store, and no warm task.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable

from axl.ir import IRWorkflow
from axl.manifest import WARM_STEP, EnvStore, Manifest, WarmManifest

WARM_COMMAND = ("python", "-m", "axl.runtime", "warm")
ENVS_FOLDER = "envs"
"""The env store's folder beside the code archive."""

__all__ = [
    "ENVS_FOLDER",
    "WARM_COMMAND",
    "WARM_STEP",
    "env_store_at",
    "requirement_sets",
    "store_data",
    "warm_manifest",
    "warm_manifest_text",
    "warm_warning",
    "warms",
]


def warms(ir: IRWorkflow, policy: str) -> bool:
    """Whether the workflow's steps get their envs from a warm step under ``policy``."""
    return ir.warm_env and policy == "install"


def env_store_at(
    bucket: str | None, code_key: str, endpoint: str | None = None, insecure: bool | None = None
) -> EnvStore | None:
    """The env store beside the code archive ``code_key`` in ``bucket`` (None: no bucket).

    ``endpoint`` is ``host[:port]`` as the pods reach it; ``insecure``: over http.
    """
    if bucket is None:
        return None
    prefix = posixpath.dirname(code_key)
    folder = f"{prefix}/{ENVS_FOLDER}" if prefix else ENVS_FOLDER
    url = None if endpoint is None else f"{'http' if insecure else 'https'}://{endpoint}"
    return EnvStore(uri=f"s3://{bucket}/{folder}", endpoint=url)


def requirement_sets(manifests: Iterable[Manifest]) -> tuple[tuple[str, ...], ...]:
    """The distinct, non-empty requirement sets of the steps, in step order."""
    found: dict[frozenset[str], tuple[str, ...]] = {}
    for manifest in manifests:
        requirements = manifest.packages.requirements
        if requirements:
            found.setdefault(frozenset(requirements), requirements)
    return tuple(found.values())


def warm_manifest(
    ir: IRWorkflow, manifests: Iterable[Manifest], policy: str, store: EnvStore | None
) -> WarmManifest | None:
    """The warm step's manifest, or None when there is no warm step (or nothing to warm)."""
    if not warms(ir, policy):
        return None
    sets = requirement_sets(manifests)
    if not sets:
        return None
    return WarmManifest(sets=sets, store=store, workflow_name=ir.name)


def warm_warning(ir: IRWorkflow, policy: str, store: EnvStore | None) -> str | None:
    """Why a workflow that sets ``warm_env`` gets no warm step on a cluster, if it does not."""
    if not ir.warm_env:
        return None
    if policy != "install":
        return (
            f"workflow {ir.name!r} sets warm_env, but the packages policy is {policy!r}: "
            "no warm step (it goes with --packages install)"
        )
    if store is None:
        return (
            f"workflow {ir.name!r} sets warm_env, but its code does not ship as an archive "
            "in a bucket: no warm step, each step installs its own packages "
            "(pass --code-bucket s3://BUCKET/PREFIX)"
        )
    return None


def warm_manifest_text(manifest: WarmManifest) -> str:
    """The warm manifest as compact, sorted JSON (what ``warm --manifest-json`` takes)."""
    data: dict[str, object] = {"sets": [list(s) for s in manifest.sets]}
    if manifest.store is not None:
        data["store"] = store_data(manifest.store)
    if manifest.workflow_name is not None:
        data["workflow_name"] = manifest.workflow_name
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def store_data(store: EnvStore) -> dict[str, str]:
    """An env store as compact manifest data."""
    data = {"uri": store.uri}
    if store.endpoint is not None:
        data["endpoint"] = store.endpoint
    return data
