"""What the KFP compiler can be told besides the IR: a small frozen options object."""

from __future__ import annotations

import re
from dataclasses import field

from axl.compiler.argo.options import default_image
from axl.compiler.target import ShippedCode
from axl.dataclass_fast import dataclass
from axl.digests import DIGEST_PREFIX, digest_hex
from axl.errors import UsageError
from axl.manifest import PACKAGE_POLICIES, EnvStore
from axl.naming import WORKFLOW_REF
from axl.planning.cache import CacheSettings

PIPELINE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
"""A pipeline name the KFP API server takes (at most 100 characters)."""


class KfpOptionsError(UsageError):
    """A KFP compiler option is invalid, or the workflow uses what the target cannot express."""

    code = "invalid_option"


ARCHIVE_SCHEMES = ("s3://", "minio://", "gs://")
"""Object stores KFP's launcher downloads input artifacts from."""


@dataclass(frozen=True)
class KfpCodeArchive:
    """The workflow's code archive, imported into the pipeline as an artifact by its URI.

    KFP's launcher downloads it with the cluster's object store settings (the
    ``kfp-launcher`` ConfigMap for S3 endpoints and credentials); the runner
    checks ``digest`` before it extracts the archive.
    """

    uri: str
    digest: str | None = None

    @classmethod
    def at(cls, location: ShippedCode) -> KfpCodeArchive:
        """The archive at ``location``, which KFP reads through its own object store settings."""
        if location.endpoint is not None or location.secret is not None:
            raise KfpOptionsError(
                "--target kfp reads the code archive with the cluster's object store "
                "settings: --artifact-endpoint and --s3-secret are for --target argo",
                hint="configure the bucket's endpoint and credentials in KFP's kfp-launcher "
                "ConfigMap, and leave the two flags out",
            )
        if location.bucket is None:
            raise KfpOptionsError("the code archive needs a bucket", hint="--code-bucket s3://B/P")
        return cls(uri=f"s3://{location.bucket}/{location.key}", digest=location.digest)

    def __post_init__(self) -> None:
        rest = self.uri.partition("://")[2]
        if not self.uri.startswith(ARCHIVE_SCHEMES) or "/" not in rest.strip("/"):
            raise KfpOptionsError(
                f"code archive URI {self.uri!r} is not an object in s3://, minio:// or gs://",
                hint="e.g. s3://axl/code/code-<digest>.tar.gz",
            )
        if self.digest is not None and (
            not self.digest.startswith(DIGEST_PREFIX) or digest_hex(self.digest) is None
        ):
            raise KfpOptionsError(
                f"code archive digest {self.digest!r} must look like 'blake3:<hex>'"
            )


@dataclass(frozen=True)
class KfpOptions:
    """How to compile an IR to a KFP v2 ``PipelineSpec``; every field has a working default.

    ``image`` is the image of steps that set none (neither ``@step(image=)``
    nor the workflow's ``image``): the axl runner image by default.
    ``packages_policy`` is what the runner does about missing step packages;
    ``python_path`` entries go on ``sys.path`` before the workflow is imported;
    ``workflow_ref`` is the ``module:Class`` the containers import (default:
    the IR's own); ``name`` is the pipeline's name (default: the workflow's);
    ``code_archive`` ships the code as an archive (None: the image holds it);
    ``env_store`` is where a workflow with ``warm_env`` shares its envs (beside
    the code archive; None: no warm step, see :mod:`axl.planning.warm`).
    ``cache`` is the step cache of ``cache=True`` steps (an S3 store; None: no
    step has a cache section, and KFP's own cache serves them); ``cache_secret``
    the Secret with its ``accessKey``/``secretKey``, which those executors get as
    ``AXL_CACHE_AWS_ACCESS_KEY_ID``/``AXL_CACHE_AWS_SECRET_ACCESS_KEY`` (``secretAsEnv``;
    the cache store's own names, apart from any ``AWS_*``).
    """

    image: str = field(default_factory=default_image)
    packages_policy: str = "check"
    python_path: tuple[str, ...] = ()
    workflow_ref: str | None = None
    name: str | None = None
    code_archive: KfpCodeArchive | None = None
    env_store: EnvStore | None = None
    cache: CacheSettings | None = None
    cache_secret: str | None = None

    def __post_init__(self) -> None:
        if not self.image or any(c.isspace() for c in self.image):
            raise KfpOptionsError(f"image {self.image!r} is not an image reference")
        if self.packages_policy not in PACKAGE_POLICIES:
            raise KfpOptionsError(
                f"packages_policy {self.packages_policy!r} is not one of "
                f"{', '.join(PACKAGE_POLICIES)}"
            )
        if self.name is not None:
            check_pipeline_name(self.name)
        if self.workflow_ref is not None and not WORKFLOW_REF.match(self.workflow_ref):
            raise KfpOptionsError(
                f"workflow_ref {self.workflow_ref!r} is not a module:Class reference",
                hint="e.g. wordstats.flow:WordStats",
            )
        object.__setattr__(self, "python_path", tuple(self.python_path))


def check_pipeline_name(name: str) -> str:
    """``name`` if KFP takes it as a pipeline name; otherwise a usage error saying the rule."""
    if not PIPELINE_NAME.match(name):
        raise KfpOptionsError(
            f"pipeline name {name!r} is not valid on KFP",
            hint="at most 100 lower-case letters, digits and '-', starting with a letter "
            "or digit (set the workflow's name, or pass --name)",
        )
    return name
