"""What the Argo compiler can be told besides the IR: a small frozen options object."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from types import MappingProxyType
from typing import Any, Literal

from axl._version import __version__
from axl.compiler.target import ShippedCode
from axl.dataclass_fast import dataclass
from axl.digests import DIGEST_PREFIX, digest_hex
from axl.errors import UsageError
from axl.manifest import PACKAGE_POLICIES, EnvStore
from axl.naming import MAX_NAME, WORKFLOW_REF, is_dns_label, is_dns_subdomain
from axl.planning.cache import CacheSettings

Kind = Literal["workflow", "workflow-template"]
ArtifactMode = Literal["s3", "pvc"]

KINDS: tuple[str, ...] = ("workflow", "workflow-template")
ARTIFACT_MODES: tuple[str, ...] = ("s3", "pvc")
POD_GC_STRATEGIES: tuple[str, ...] = (
    "OnPodCompletion",
    "OnPodSuccess",
    "OnWorkflowCompletion",
    "OnWorkflowSuccess",
)
ACCESS_MODES: tuple[str, ...] = ("ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod")
IMAGE_REPOSITORY = "ghcr.io/axl-workflows/runner"

_TAG_INVALID = re.compile(r"[^A-Za-z0-9_.-]")
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")


class ArgoOptionsError(UsageError):
    """An Argo compiler option is invalid."""

    code = "invalid_option"


def default_image(version: str = __version__) -> str:
    """The runner image of an axl version: ``ghcr.io/axl-workflows/runner:<version>``.

    Characters a tag cannot hold (``+`` of a local version) become ``-``.
    """
    return f"{IMAGE_REPOSITORY}:{_TAG_INVALID.sub('-', version)[:128]}"


@dataclass(frozen=True)
class SecretKey:
    """A key of a Kubernetes Secret (for S3 credentials)."""

    name: str
    key: str

    def __post_init__(self) -> None:
        _object_name(self.name, "secret name")
        if not self.key:
            raise ArgoOptionsError(f"secret {self.name!r}: the key must not be empty")


@dataclass(frozen=True)
class ArtifactRepositoryRef:
    """``spec.artifactRepositoryRef``: a ConfigMap (default ``artifact-repositories``) key."""

    key: str | None = None
    config_map: str | None = None

    @classmethod
    def parse(cls, text: str) -> ArtifactRepositoryRef:
        """``CONFIGMAP/KEY``, ``KEY``, or ``CONFIGMAP/`` (its default key)."""
        config_map, sep, key = text.rpartition("/")
        if not sep:
            return cls(key=text or None)
        return cls(key=key or None, config_map=config_map or None)

    def __post_init__(self) -> None:
        if self.config_map is not None:
            _object_name(self.config_map, "artifact repository ConfigMap")
        if self.key is None and self.config_map is None:
            raise ArgoOptionsError(
                "artifact repository reference is empty", hint="pass CONFIGMAP/KEY or KEY"
            )


def s3_credentials(secret: str | None) -> tuple[SecretKey | None, SecretKey | None]:
    """The access and secret key fields of :class:`ArgoCodeArchive` from one Kubernetes
    Secret, under the key names Argo's S3 examples and MinIO's charts use."""
    if not secret:
        return None, None
    return SecretKey(secret, "accessKey"), SecretKey(secret, "secretKey")


@dataclass(frozen=True)
class ArgoCodeArchive:
    """The workflow's code archive in S3, extracted by the runner before the step runs.

    Without ``bucket``/``endpoint`` the key is read from the workflow's artifact
    repository (Argo "key-only artifacts"); with them, from that S3 location,
    using the two secrets for credentials when given.
    """

    key: str
    digest: str | None = None
    bucket: str | None = None
    endpoint: str | None = None
    access_key_secret: SecretKey | None = None
    secret_key_secret: SecretKey | None = None
    insecure: bool | None = None

    @classmethod
    def at(cls, location: ShippedCode) -> ArgoCodeArchive:
        """How the pods read the archive at ``location``.

        Without an endpoint, by its key from the artifact repository (whose
        bucket must hold it); with one, from that bucket and endpoint, with the
        credentials in ``location.secret`` when it names a Secret.
        """
        access, secret = s3_credentials(location.secret)
        return cls(
            key=location.key,
            digest=location.digest,
            bucket=location.bucket if location.endpoint is not None else None,
            endpoint=location.endpoint,
            insecure=location.insecure,
            access_key_secret=access,
            secret_key_secret=secret,
        )

    def __post_init__(self) -> None:
        if not self.key or self.key.startswith("/"):
            raise ArgoOptionsError(
                f"code archive key {self.key!r} must be a relative S3 key",
                hint="e.g. axl/code/<digest>.tar.gz",
            )
        if (self.access_key_secret is None) != (self.secret_key_secret is None):
            raise ArgoOptionsError(
                "code archive: give both access_key_secret and secret_key_secret, or neither"
            )
        if self.digest is not None and (
            not self.digest.startswith(DIGEST_PREFIX) or digest_hex(self.digest) is None
        ):
            raise ArgoOptionsError(
                f"code archive digest {self.digest!r} must look like 'blake3:<hex>'"
            )


@dataclass(frozen=True)
class ArgoOptions:
    """How to compile an IR to Argo; every field has a working default.

    ``image`` is the image of steps that set none (neither ``@step(image=)``
    nor the workflow's ``image``); ``namespace`` and ``service_account``
    override the workflow's own. ``pvc_*`` apply to ``artifacts="pvc"``.
    ``pod_gc`` is a ``spec.podGC.strategy`` (None: keep pods); ``ttl_seconds``
    deletes the Workflow that long after it completes (None: keep it).
    ``packages_policy`` is what the runner does about missing step packages.
    ``python_path`` entries are put on ``sys.path`` in the pod before the
    workflow module is imported (for images that carry the code elsewhere).
    ``workflow_ref`` is the ``module:Class`` the pods import (default: the
    IR's own); code that reaches the pod under another module name, as in a
    code archive of a folder above the loader's import root, needs it. The
    hash and labels stay those of the IR. ``env_store`` is where a workflow
    with ``warm_env`` shares its envs (beside the code archive; None: no warm
    step, see :mod:`axl.planning.warm`). ``name`` is the document's name
    (default: the workflow's; a Workflow's ``generateName`` is ``<name>-``).
    ``params`` are default values of workflow params, by param name, in place
    of the declared ones (what ``argo submit -p`` overrides). ``cache`` is the
    step cache of ``cache=True`` steps (an S3 store; None: no step has a cache
    section); ``cache_secret`` the Secret with its ``accessKey``/``secretKey``,
    which those pods get as ``AXL_CACHE_AWS_ACCESS_KEY_ID``/``AXL_CACHE_AWS_SECRET_ACCESS_KEY``
    (the cache store's own names, apart from the code archive's ``AWS_*``).
    """

    kind: Kind = "workflow"
    artifacts: ArtifactMode = "s3"
    namespace: str | None = None
    service_account: str | None = None
    image: str = field(default_factory=default_image)
    artifact_repository_ref: ArtifactRepositoryRef | None = None
    pvc_size: str = "1Gi"
    pvc_access_mode: str = "ReadWriteOnce"
    pvc_storage_class: str | None = None
    ttl_seconds: int | None = None
    pod_gc: str | None = "OnPodSuccess"
    code_archive: ArgoCodeArchive | None = None
    env_store: EnvStore | None = None
    packages_policy: str = "check"
    python_path: tuple[str, ...] = ()
    workflow_ref: str | None = None
    name: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    cache: CacheSettings | None = None
    cache_secret: str | None = None

    def __post_init__(self) -> None:
        _choice(self.kind, KINDS, "kind")
        if self.cache_secret is not None:
            _object_name(self.cache_secret, "cache secret")
        _choice(self.artifacts, ARTIFACT_MODES, "artifacts")
        _choice(self.packages_policy, PACKAGE_POLICIES, "packages_policy")
        _choice(self.pvc_access_mode, ACCESS_MODES, "pvc_access_mode")
        if self.pod_gc is not None:
            _choice(self.pod_gc, POD_GC_STRATEGIES, "pod_gc")
        if self.namespace is not None and not is_dns_label(self.namespace):
            raise ArgoOptionsError(
                f"namespace {self.namespace!r} is not a valid Kubernetes name",
                hint=f"a namespace has at most {MAX_NAME} lower-case letters, digits and '-', "
                "starting and ending with a letter or digit",
            )
        if self.service_account is not None:
            _object_name(self.service_account, "service account")
        if self.pvc_storage_class is not None:
            _object_name(self.pvc_storage_class, "storage class")
        if self.name is not None and (len(self.name) > MAX_NAME or not is_dns_subdomain(self.name)):
            raise ArgoOptionsError(
                f"name {self.name!r} is not a valid workflow name",
                hint=f"at most {MAX_NAME} lower-case letters, digits, '-' and '.'",
            )
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        if not self.image or any(c.isspace() for c in self.image):
            raise ArgoOptionsError(f"image {self.image!r} is not an image reference")
        if not _QUANTITY.match(self.pvc_size):
            raise ArgoOptionsError(
                f"pvc_size {self.pvc_size!r} is not a storage quantity", hint="e.g. 1Gi, 500Mi"
            )
        if self.ttl_seconds is not None and (
            isinstance(self.ttl_seconds, bool)
            or not isinstance(self.ttl_seconds, int)
            or self.ttl_seconds < 0
        ):
            raise ArgoOptionsError(f"ttl_seconds={self.ttl_seconds!r} must be whole seconds >= 0")
        if self.workflow_ref is not None and not WORKFLOW_REF.match(self.workflow_ref):
            raise ArgoOptionsError(
                f"workflow_ref {self.workflow_ref!r} is not a module:Class reference",
                hint="e.g. wordstats.flow:WordStats",
            )
        object.__setattr__(self, "python_path", tuple(self.python_path))


def _choice(value: str, choices: tuple[str, ...], what: str) -> None:
    if value not in choices:
        raise ArgoOptionsError(f"{what} {value!r} is not one of {', '.join(choices)}")


def _object_name(value: str, what: str) -> None:
    if not isinstance(value, str) or not is_dns_subdomain(value):
        raise ArgoOptionsError(
            f"{what} {value!r} is not a valid Kubernetes name",
            hint="lower-case letters, digits, '-' and '.'",
        )
