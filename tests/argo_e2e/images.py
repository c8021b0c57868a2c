"""The runner image with scikit-learn, for examples whose steps need it (iris_knn).

The stock runner image holds axl and its runtime dependencies only. Two
cached images add scikit-learn without touching it:

- a *layer* image: the base image with scikit-learn and everything it needs
  installed by pip into ``/opt/axl-extra`` (test folders dropped), at the
  exact versions of this environment, so that results and digests match
  ``axl run local`` here.
  It is the only build that downloads, and it does not depend on axl, so it
  is rebuilt only when those versions change;
- the *derived* image: ``FROM`` the runner image, with that folder copied in
  and listed in a ``.pth`` file of the runner's venv; built offline (about
  ten seconds, copying the folder) whenever the runner image changes.

Both are tagged by a digest of what goes into them and built under a file
lock, like the runner image (tests/containers/images.py).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.containers.images import (
    BUILD_CA_TARGET,
    ImageUnavailable,
    _build_failure,
    _host_ca_bundle,
    machine_lock,
)
from tests.containers.podman import Podman

ROOT_DISTRIBUTION = "scikit-learn"
LAYER_REPOSITORY = "localhost/axl-sklearn-layer"
DERIVED_REPOSITORY = "localhost/axl-runner-sklearn"
EXTRA_DIR = "/opt/axl-extra"
KEEP_TAGS = 2
KEEP_SECONDS = 3600
_BUILD_TIMEOUT = 900.0

LAYER_DOCKERFILE = f"""\
ARG BASE_IMAGE
FROM ${{BASE_IMAGE}}
ARG BUILD_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
ARG REQUIREMENTS
RUN python3 -m venv /tmp/pip \\
    && PIP_CERT=${{BUILD_CA_BUNDLE}} /tmp/pip/bin/pip install --quiet --no-cache-dir \\
        --disable-pip-version-check --only-binary=:all: --no-deps --target {EXTRA_DIR} \\
        ${{REQUIREMENTS}} \\
    && rm -rf /tmp/pip \\
    && find {EXTRA_DIR} -depth -type d -name tests -exec rm -rf {{}} +
"""

DERIVED_DOCKERFILE = f"""\
ARG LAYER_IMAGE
ARG RUNNER_IMAGE
FROM ${{LAYER_IMAGE}} AS layer
FROM ${{RUNNER_IMAGE}}
COPY --from=layer {EXTRA_DIR} {EXTRA_DIR}
USER 0
RUN echo {EXTRA_DIR} > "$(python -c 'import site; print(site.getsitepackages()[0])')/axl-extra.pth"
USER 1000:1000
"""


@dataclass(frozen=True)
class DerivedBuild:
    """The runner image with scikit-learn, and what building it took."""

    image: str
    requirements: tuple[str, ...]
    layer_seconds: float | None
    """Seconds to build the layer image; None when it was reused."""
    seconds: float | None
    """Seconds to build the derived image; None when it was reused."""


def requirements(root: str = ROOT_DISTRIBUTION) -> tuple[str, ...]:
    """``name==version`` of ``root`` and everything it needs, as installed here (sorted)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {}
    todo = [root]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in pins:
            continue
        try:
            pins[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            raise ImageUnavailable(
                f"{name} is not installed here, so its version is unknown"
            ) from None
        for text in importlib.metadata.requires(name) or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return tuple(f"{name}=={version}" for name, version in sorted(pins.items()))


def ensure_sklearn_image(podman: Podman, base_image: str, runner_image: str) -> DerivedBuild:
    """The runner image with scikit-learn at this environment's versions (built once)."""
    pins = requirements()
    with machine_lock("sklearn-image"):
        layer, layer_seconds = _ensure(
            podman,
            LAYER_REPOSITORY,
            LAYER_DOCKERFILE,
            {"BASE_IMAGE": base_image, "REQUIREMENTS": " ".join(pins)},
            network=True,
        )
        derived, seconds = _ensure(
            podman,
            DERIVED_REPOSITORY,
            DERIVED_DOCKERFILE,
            {"LAYER_IMAGE": layer, "RUNNER_IMAGE": runner_image},
            network=False,
        )
    return DerivedBuild(derived, pins, layer_seconds, seconds)


def _image_id(podman: Podman, image: str) -> str:
    return podman("image", "inspect", "--format", "{{.Id}}", image).stdout.strip()


def _ensure(
    podman: Podman, repository: str, dockerfile: str, args: dict[str, str], *, network: bool
) -> tuple[str, float | None]:
    """Build ``dockerfile`` with ``args`` unless a build of the same inputs is tagged."""
    digest = hashlib.sha256(dockerfile.encode())
    for key, value in sorted(args.items()):
        is_image = value.startswith("localhost/")
        digest.update(f"{key}={_image_id(podman, value) if is_image else value}\n".encode())
    image = f"{repository}:{digest.hexdigest()[:12]}"
    if podman.image_exists(image):
        return image, None
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="axl-image-") as context:
        (Path(context) / "Dockerfile").write_text(dockerfile)
        command = ["build", "--pull=never", "--tag", image]
        for key, value in sorted(args.items()):
            command += ["--build-arg", f"{key}={value}"]
        ca_bundle = _host_ca_bundle()
        if network and ca_bundle is not None:
            command += ["--volume", f"{ca_bundle}:{BUILD_CA_TARGET}:ro"]
            command += ["--build-arg", f"BUILD_CA_BUNDLE={BUILD_CA_TARGET}"]
        if not network:
            command += ["--network", "none"]
        result = podman(*command, context, timeout=_BUILD_TIMEOUT, check=False)
    if result.returncode != 0:
        raise _build_failure(f"building {repository}", result)
    _drop_old_tags(podman, repository, keep=image)
    return image, time.monotonic() - started


def _drop_old_tags(podman: Podman, repository: str, *, keep: str) -> None:
    """Untag all but the newest builds; recent ones may be in use by another run."""
    listing = podman("images", "--format", "json", repository, check=False)
    if listing.returncode != 0:
        return
    tagged = sorted(
        (
            (int(image.get("Created", 0)), name)
            for image in json.loads(listing.stdout or "[]")
            for name in image.get("Names") or ()
            if name.startswith(f"{repository}:") and name != keep
        ),
        reverse=True,
    )
    too_old = time.time() - KEEP_SECONDS
    for created, name in tagged[KEEP_TAGS - 1 :]:
        if created < too_old:
            podman("rmi", name, check=False)
