"""The Containerfile of a workflow's image, and the labels it carries.

The image is the axl runner image (the base: ``/opt/axl/venv`` holds axl and
uv sits at ``/usr/local/bin/uv``) plus the project's dependencies, installed
into that environment, plus the project's code under ``/axl/code``, put on
``PYTHONPATH`` so the runner imports the workflow as it was compiled. The
entrypoint stays the runner, the user uid 1000.

One text serves every build: a normal one (network at build time, a uv cache
mount) and an offline one (a filled uv cache mounted at ``UV_CACHE_DIR``,
``UV_OFFLINE=1``, ``--network=none``) differ only in build arguments and
mounts. Bytecode is compiled with ``SOURCE_DATE_EPOCH=0``, which makes
Python write hash-based ``.pyc`` files: the same sources give the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from axl.dataclass_fast import dataclass

__all__ = [
    "BUILD_CA_TARGET",
    "CODE_DIR",
    "CONTAINERFILE",
    "CREATED",
    "DEPS_DIR",
    "FAILURE_PREFIX",
    "HOST_CACHE_TARGET",
    "RUNNER_UID",
    "UV_CACHE_DIR",
    "VENV",
    "ContainerfileSpec",
    "render_containerfile",
]

CONTAINERFILE = "Containerfile"
CODE_DIR = "/axl/code"
DEPS_DIR = "/axl/deps"
VENV = "/opt/axl/venv"
UV_CACHE_DIR = "/var/cache/uv"
HOST_CACHE_TARGET = "/mnt"
"""Where an offline build mounts the filled uv cache it installs from: a folder every
Debian image has, since a volume's mount point that the base lacks stays in the image."""
BUILD_CA_TARGET = "/run/axl-build-ca.crt"
"""Where a build behind a TLS-intercepting proxy mounts the CA bundle uv should trust."""
DEFAULT_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
RUNNER_UID = 1000
FAILURE_PREFIX = "axl build-image:"
"""How the Containerfile's own checks start the line that says why they failed."""
CREATED = "1970-01-01T00:00:00Z"
"""The images' ``created`` time: builds run with ``--timestamp 0`` (or ``SOURCE_DATE_EPOCH=0``)."""

_UV_ENV = (
    "SSL_CERT_FILE=${BUILD_CA_BUNDLE} "
    f"SOURCE_DATE_EPOCH=0 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1 "
    f"UV_PROJECT_ENVIRONMENT={VENV}"
)


@dataclass(frozen=True)
class ContainerfileSpec:
    """What the Containerfile says: the base, how dependencies install, the code's import roots."""

    workflow: str
    """The workflow's name (for the header)."""
    base: str
    """The base image, pinned (an image ID or ``repo@sha256:...``)."""
    axl_version: str
    """The axl the base must hold: the version that compiles the workflow."""
    dependencies: str
    """``uv.lock``, ``requirements`` or ``none``."""
    dependency_files: Sequence[str]
    """Names of the files under ``deps/`` in the context."""
    dependency_digest: str
    """The digest of those files: written into the install step, whose cache key
    it is (a builder's cache does not look into the files a step bind-mounts)."""
    python_path: Sequence[str]
    """Folders in the image to import the workflow's code from, first wins."""
    labels: Mapping[str, str]


def render_containerfile(spec: ContainerfileSpec) -> str:
    """The Containerfile text of ``spec`` (deterministic: labels sorted, nothing from the clock)."""
    lines = [
        f"# The image of axl workflow {spec.workflow}: the axl runner image, the project's",
        "# dependencies and its code. Written by axl build-image; build it again with the",
        "# same command rather than editing this file.",
        f"ARG BASE_IMAGE={spec.base}",
        "FROM ${BASE_IMAGE}",
        "",
        "USER 0:0",
        f"ARG AXL_VERSION={spec.axl_version}",
        f"RUN {VENV}/bin/python -c 'import sys, axl; sys.exit(axl.__version__ != sys.argv[1])' \\",
        '        "${AXL_VERSION}" \\',
        f'    || {{ echo "{FAILURE_PREFIX} the base image has no axl ${{AXL_VERSION}} in {VENV};'
        ' build on the axl runner image of that version (--base)" >&2; exit 1; }',
        *_install(spec),
        "",
        f"COPY code/ {CODE_DIR}/",
        "# A file that does not compile (a script for another Python) fails where it is",
        "# imported, as it would locally; it does not fail the build.",
        f"RUN SOURCE_DATE_EPOCH=0 {VENV}/bin/python -m compileall -q "
        f"--invalidation-mode checked-hash {CODE_DIR} > /dev/null || true",
        f"ENV PYTHONPATH={':'.join(spec.python_path)}",
        "",
        *_labels(spec.labels),
        "",
        f"USER {RUNNER_UID}:{RUNNER_UID}",
        "WORKDIR /axl",
        'ENTRYPOINT ["python", "-m", "axl.runtime"]',
        'CMD ["--help"]',
    ]
    return "\n".join(lines) + "\n"


def _install(spec: ContainerfileSpec) -> list[str]:
    if spec.dependencies == "none":
        return []
    mounts = [
        f"RUN --mount=type=cache,target={UV_CACHE_DIR} \\",
        f"    --mount=type=bind,source=deps,target={DEPS_DIR} \\",
    ]
    header = [
        "",
        "# An offline build mounts a filled uv cache and sets two build args (axl",
        f"# build-image --uv-cache DIR does): --network=none --volume DIR:{HOST_CACHE_TARGET}",
        f"# --build-arg UV_CACHE_DIR={HOST_CACHE_TARGET} --build-arg UV_OFFLINE=1. Behind a proxy",
        "# that re-signs TLS, mount its CA bundle and name it in BUILD_CA_BUNDLE (--ca-bundle).",
        f"ARG UV_CACHE_DIR={UV_CACHE_DIR}",
        "ARG UV_OFFLINE=false",
        f"ARG BUILD_CA_BUNDLE={DEFAULT_CA_BUNDLE}",
    ]
    digest = f"AXL_DEPS_DIGEST={spec.dependency_digest}"
    if spec.dependencies == "uv.lock":
        return [
            *header,
            *mounts,
            f"    cd {DEPS_DIR} && {digest} {_UV_ENV} \\",
            "    uv sync --frozen --no-dev --inexact --no-install-project \\",
            "        --no-install-package axl-workflows --compile-bytecode",
        ]
    files = " ".join(f"-r {DEPS_DIR}/{name}" for name in spec.dependency_files)
    return [
        *header,
        *mounts,
        f"    {digest} {_UV_ENV} \\",
        f"    uv pip install --python {VENV}/bin/python --compile-bytecode {files}",
    ]


def _labels(labels: Mapping[str, str]) -> list[str]:
    if not labels:
        return []
    items = [f"{key}={_quote(value)}" for key, value in sorted(labels.items())]
    return [f"LABEL {items[0]}" + (" \\" if len(items) > 1 else "")] + [
        f"      {item}" + (" \\" if i < len(items) - 2 else "") for i, item in enumerate(items[1:])
    ]


def _quote(value: str) -> str:
    """A double-quoted Containerfile word: no variable expansion, no line break."""
    flat = " ".join(value.splitlines())
    escaped = flat.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'
