"""The ``cache`` section of a ``cache=True`` step's manifest: its store and the key parts
the runner cannot compute itself.

The code digest (the project's files as a code archive packs them, see
:func:`axl.codefiles.selection.selection_digest`) and the lock digest are
computed once per run or compile by the caller and given here in
:class:`CacheSettings`; what is per step (Secret names, handler versions, a
baked image's digest) comes from the IR. A step without ``cache=True`` gets no
section, and its manifest is what it was before the cache existed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from typing import Any

from axl.dataclass_fast import dataclass
from axl.ir import IREnvVar, IRNode, IRSecretRef, IRWorkflow
from axl.manifest import CACHE_CREDENTIALS_PREFIX, StepCache
from axl.planning.steps import merged_env

CREDENTIAL_KEYS = tuple(
    (CACHE_CREDENTIALS_PREFIX + name, key)
    for name, key in (("AWS_ACCESS_KEY_ID", "accessKey"), ("AWS_SECRET_ACCESS_KEY", "secretKey"))
)
"""The env vars the runner reads the cache store's credentials from (its own names, apart from
the code archive's ``AWS_*``), and the Secret's keys they come from (the key names of Argo's
S3 examples and MinIO's charts, as ``--s3-secret`` has them)."""
IMAGE_DIGEST_MARK = "@sha256:"
"""A reference pinned by digest holds this; a tag alone never keys the cache."""


@dataclass(frozen=True)
class CacheSettings:
    """What every cached step of one run or compile shares.

    ``code``: ``blake3:<hex>`` of the project's files (None: the manifests ship a
    code archive whose digest keys the code); ``lock``: the environment's
    ``{"lock": digest}`` or ``{"requirements_file": digest}`` (empty: only the
    steps' requirement strings); ``workflow``: the workflow reference as the
    archive names it; ``images``: whether steps run in their image (a cluster),
    so that an image pinned by digest names the environment; ``image``: the image
    of steps that name none (the target's default); ``endpoint``: the S3 endpoint
    URL as the runner reaches it (None: AWS, or ``AWS_ENDPOINT_URL``).
    """

    store: str
    code: str | None = None
    lock: dict[str, str] = field(default_factory=dict)
    workflow: str | None = None
    endpoint: str | None = None
    images: bool = False
    image: str | None = None


def step_cache(ir: IRWorkflow, node: IRNode, settings: CacheSettings | None) -> StepCache | None:
    """The cache section of ``node``'s manifest; None when the step is not cached."""
    if settings is None or not node.cache:
        return None
    image = node.image or ir.image or settings.image
    environment = (
        {"image": image}
        if settings.images and image is not None and IMAGE_DIGEST_MARK in image
        else dict(settings.lock)
    )
    secrets = tuple(
        f"{var.name}={var.secret.name}/{var.secret.key}"
        for var in merged_env(ir, node)
        if var.secret is not None
    )
    handlers = {name: handler_version(name) for name in _handler_names(ir, node)}
    return StepCache(
        store=settings.store,
        code=settings.code,
        environment=environment,
        workflow=settings.workflow,
        secrets=secrets,
        handlers=handlers,
        endpoint=settings.endpoint,
    )


def with_credentials(env: Sequence[IREnvVar], secret: str | None) -> tuple[IREnvVar, ...]:
    """``env`` and the cache store's S3 credentials from Secret ``secret`` (its keys
    ``accessKey`` and ``secretKey``, as the code archive's) as :data:`CREDENTIAL_KEYS` names
    them, unless ``env`` sets them; sorted by name."""
    merged = {var.name: var for var in env}
    if secret is not None:
        for name, key in CREDENTIAL_KEYS:
            merged.setdefault(name, IREnvVar(name=name, secret=IRSecretRef(name=secret, key=key)))
    return tuple(merged[name] for name in sorted(merged))


def handler_version(name: str) -> str:
    """An IO handler's ``version`` attribute (``"1"`` without one; axl's own version is a key
    part of its own, so the built-in handlers need none)."""
    from axl.io import get_handler

    handler: Any = get_handler(name)
    return str(getattr(handler, "version", "1"))


def _handler_names(ir: IRWorkflow, node: IRNode) -> list[str]:
    names = {node.output.handler}
    for item in node.inputs:
        if item.source == "step" and item.ref is not None:
            names.add(ir.get_node(item.ref).output.handler)
    return sorted(names)


def cache_data(cache: StepCache) -> dict[str, Any]:
    """A cache section as compact manifest data (defaults left out)."""
    data: dict[str, Any] = {"store": cache.store}
    if cache.code is not None:
        data["code"] = cache.code
    if cache.environment:
        data["environment"] = dict(cache.environment)
    if cache.workflow is not None:
        data["workflow"] = cache.workflow
    if cache.secrets:
        data["secrets"] = list(cache.secrets)
    if cache.handlers:
        data["handlers"] = dict(cache.handlers)
    if cache.endpoint is not None:
        data["endpoint"] = cache.endpoint
    return data
