"""Build, or reuse, the images the container tests run: a Debian base and the runner.

No registry is reachable here, so the base image is a debootstrapped Debian
root imported into podman, from the mirror apt on this machine already uses.
Both images persist in podman's storage: the base is keyed by the Debian
release, the runner by a digest of everything that goes into it. A file lock
makes concurrent test processes (pytest-xdist workers) build each one once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.containers.podman import ROOT, Podman

RELEASE = "bookworm"
BASE_IMAGE = f"localhost/axl-base:{RELEASE}"
RUNNER_REPOSITORY = "localhost/axl-runner"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
RUNNER_INPUTS = ("Dockerfile.runner", ".dockerignore", "pyproject.toml", "uv.lock", "README.md")
KEEP_RUNNER_TAGS = 3
KEEP_RUNNER_SECONDS = 3600
BUILD_CA_TARGET = "/run/axl-build-ca.crt"
_BUILD_TIMEOUT = 900.0
# Trimmed from the debootstrapped root: about 275 MB down to about 130 MB.
_TRIM = (
    "var/cache/apt",
    "var/lib/apt/lists",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "var/log",
)
_OFFLINE = re.compile(
    r"Temporary failure in name resolution|Could not resolve|Network is unreachable"
    r"|Connection refused|Failed to fetch|error sending request|No matching distribution"
    r"|certificate verify failed|Couldn't download"
)


class ImageUnavailable(Exception):
    """The image cannot be built on this machine (missing tool, no mirror, no network)."""


def cache_dir() -> Path:
    """Where the tests keep locks and scratch space that outlive one run."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "axl-tests"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def machine_lock(name: str) -> Iterator[None]:
    """An exclusive lock shared by every process on this machine."""
    with open(cache_dir() / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- apt sources -----------------------------------------------------------------


@dataclass(frozen=True)
class AptSource:
    """One ``deb`` entry of apt's sources."""

    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]


def parse_sources_list(text: str) -> list[AptSource]:
    """Entries of a one-line-style ``sources.list`` (``deb [opts] URI SUITE COMPONENT...``)."""
    entries = []
    for raw in text.splitlines():
        tokens = raw.split("#", 1)[0].split()
        if len(tokens) < 3 or tokens[0] != "deb":
            continue
        rest = tokens[1:]
        if rest[0].startswith("["):
            end = next((i for i, token in enumerate(rest) if token.endswith("]")), len(rest))
            rest = rest[end + 1 :]
        if len(rest) >= 2:
            entries.append(AptSource(rest[0], (rest[1],), tuple(rest[2:])))
    return entries


def parse_deb822(text: str) -> list[AptSource]:
    """Entries of a deb822-style ``.sources`` file (stanzas of ``Field: value``)."""
    entries = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key is not None:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                key = key.strip().lower()
                fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").strip().lower() == "no":
            continue
        suites = tuple(fields.get("suites", "").split())
        components = tuple(fields.get("components", "").split())
        entries.extend(AptSource(uri, suites, components) for uri in fields.get("uris", "").split())
    return entries


def apt_sources(etc_apt: Path = Path("/etc/apt")) -> list[AptSource]:
    """Every enabled ``deb`` entry apt reads, in apt's order."""
    entries = []
    main = etc_apt / "sources.list"
    if main.is_file():
        entries += parse_sources_list(main.read_text(errors="replace"))
    parts = etc_apt / "sources.list.d"
    for path in sorted(parts.iterdir()) if parts.is_dir() else ():
        if path.suffix == ".list":
            entries += parse_sources_list(path.read_text(errors="replace"))
        elif path.suffix == ".sources":
            entries += parse_deb822(path.read_text(errors="replace"))
    return entries


def debian_mirror(sources: list[AptSource], release: str = RELEASE) -> str | None:
    """The mirror to debootstrap ``release`` from: one apt uses for it, else a Debian one."""
    usable = [s for s in sources if urlsplit(s.uri).scheme in {"http", "https", "file"}]
    for source in usable:
        if release in source.suites:
            return source.uri.rstrip("/")
    for source in usable:
        if urlsplit(source.uri).path.rstrip("/").endswith("/debian"):
            return source.uri.rstrip("/")
    return None


# --- base image ------------------------------------------------------------------


def ensure_base_image(podman: Podman) -> float | None:
    """Build :data:`BASE_IMAGE` unless it exists; the seconds it took, or None when reused."""
    with machine_lock("base-image"):
        if podman.image_exists(BASE_IMAGE):
            return None
        started = time.monotonic()
        _build_base_image(podman)
        return time.monotonic() - started


def _build_base_image(podman: Podman) -> None:
    if shutil.which("debootstrap") is None:
        raise ImageUnavailable(f"debootstrap is not installed, needed to build {BASE_IMAGE}")
    if os.geteuid() != 0:
        raise ImageUnavailable(f"building {BASE_IMAGE} with debootstrap needs root")
    mirror = os.environ.get("AXL_DEBIAN_MIRROR") or debian_mirror(apt_sources())
    if mirror is None:
        raise ImageUnavailable("no Debian mirror in apt's sources; set AXL_DEBIAN_MIRROR")
    rootfs = Path(tempfile.mkdtemp(prefix="base-rootfs-", dir=cache_dir()))
    try:
        result = subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                RELEASE,
                str(rootfs),
                mirror,
            ],
            capture_output=True,
            text=True,
            timeout=_BUILD_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            raise _build_failure(f"debootstrap {RELEASE}", result)
        _trim(rootfs)
        _import(podman, rootfs)
    finally:
        unmount_below(rootfs)
        shutil.rmtree(rootfs, ignore_errors=True)


def _trim(rootfs: Path) -> None:
    for relative in _TRIM:
        folder = rootfs / relative
        for child in folder.iterdir() if folder.is_dir() else ():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    docs = rootfs / "usr/share/doc"
    for path in sorted(docs.rglob("*"), reverse=True) if docs.is_dir() else ():
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
        elif path.name != "copyright":
            path.unlink()


def _import(podman: Podman, rootfs: Path) -> None:
    changes = [
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV LANG=C.UTF-8",
        f"LABEL io.axl.base.release={RELEASE}",
        'CMD ["/bin/bash"]',
    ]
    tar = subprocess.Popen(
        ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
    )
    args = [podman.executable, "import"]
    for change in changes:
        args += ["--change", change]
    result = subprocess.run(
        [*args, "-", BASE_IMAGE],
        stdin=tar.stdout,
        env=podman.env,
        capture_output=True,
        text=True,
        timeout=_BUILD_TIMEOUT,
        check=False,
    )
    assert tar.stdout is not None
    tar.stdout.close()
    if tar.wait(timeout=60) != 0 or result.returncode != 0:
        raise RuntimeError(f"importing {BASE_IMAGE} failed: {result.stderr.strip()[-2000:]}")


def unmount_below(path: Path) -> None:
    """Undo the mounts left below ``path`` (a failed debootstrap's proc and sys, a storage's
    overlays), or removing it fails with "Device or resource busy"."""
    mounts = Path("/proc/mounts").read_text().splitlines() if Path("/proc/mounts").exists() else []
    targets = [line.split()[1] for line in mounts if len(line.split()) > 1]
    for target in sorted((t for t in targets if t.startswith(f"{path}/")), reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True, check=False)


def _build_failure(what: str, result: subprocess.CompletedProcess[str]) -> Exception:
    output = (result.stdout + result.stderr).strip()
    tail = "\n".join(output.splitlines()[-25:])
    if _OFFLINE.search(output):
        return ImageUnavailable(f"{what} could not download what it needs: {tail[-400:]}")
    return RuntimeError(f"{what} failed (exit {result.returncode}):\n{tail}")


# --- uv cache ----------------------------------------------------------------------


def fill_uv_cache(project: Path) -> Path:
    """A uv cache holding every wheel ``project``'s ``uv.lock`` needs, filled on the host once
    per lock: what ``axl build-image --uv-cache`` installs from without network.

    Raises :class:`ImageUnavailable` without uv, or when the wheels cannot be downloaded.
    """
    uv = shutil.which("uv")
    if uv is None:
        raise ImageUnavailable(
            "uv is not installed: it fills the cache offline builds install from"
        )
    lock = (project / "uv.lock").read_bytes()
    cache = cache_dir() / f"baked-uv-cache-{hashlib.sha256(lock).hexdigest()[:12]}"
    with machine_lock("baked-uv-cache"):
        if (cache / ".filled").exists():
            return cache
        scratch = cache_dir() / f"baked-venv-{os.getpid()}"
        result = subprocess.run(
            [uv, "sync", "--frozen", "--no-dev", "--no-install-project", "--project", str(project)],
            env={
                **os.environ,
                "UV_CACHE_DIR": str(cache),
                "UV_PROJECT_ENVIRONMENT": str(scratch),
                "UV_LINK_MODE": "copy",
            },
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        shutil.rmtree(scratch, ignore_errors=True)
        if result.returncode != 0:
            raise ImageUnavailable(
                f"cannot download the locked wheels: {result.stderr.strip()[-300:]}"
            )
        (cache / ".filled").write_text("")
    return cache


# --- runner image ----------------------------------------------------------------


def runner_inputs_digest(*, base_image_id: str, version: str) -> str:
    """sha256 over the files the runner image is built from, the base image and the version."""
    files = [ROOT / name for name in RUNNER_INPUTS]
    files += sorted(
        path
        for path in (ROOT / "axl").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )
    digest = hashlib.sha256()
    digest.update(f"base={base_image_id}\nversion={version}\n".encode())
    for path in files:
        data = path.read_bytes()
        name = path.relative_to(ROOT).as_posix()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class RunnerBuild:
    """The runner image the tests use, and how it was built."""

    image: str
    version: str
    inputs_digest: str
    seconds: float | None
    """Build time, or None when an image with the same inputs was reused."""


def ensure_runner_image(podman: Podman, base_image: str, version: str) -> RunnerBuild:
    """Build ``Dockerfile.runner`` on ``base_image`` unless an identical build is tagged."""
    base_id = podman("image", "inspect", "--format", "{{.Id}}", base_image).stdout.strip()
    digest = runner_inputs_digest(base_image_id=base_id, version=version)
    image = f"{RUNNER_REPOSITORY}:{version}-{digest[:12]}"
    with machine_lock("runner-image"):
        if podman.image_exists(image):
            return RunnerBuild(image, version, digest, None)
        started = time.monotonic()
        args = [
            "build",
            "--pull=never",
            "--file",
            str(ROOT / "Dockerfile.runner"),
            "--build-arg",
            f"BASE_IMAGE={base_image}",
            "--build-arg",
            f"AXL_VERSION={version}",
            "--build-arg",
            f"AXL_REVISION={digest}",
            "--tag",
            image,
        ]
        ca_bundle = _host_ca_bundle()
        if ca_bundle is not None:
            args += [
                "--volume",
                f"{ca_bundle}:{BUILD_CA_TARGET}:ro",
                "--build-arg",
                f"BUILD_CA_BUNDLE={BUILD_CA_TARGET}",
            ]
        result = podman(*args, str(ROOT), timeout=_BUILD_TIMEOUT, check=False)
        if result.returncode != 0:
            raise _build_failure("building Dockerfile.runner", result)
        _drop_old_runner_tags(podman, keep=image)
        return RunnerBuild(image, version, digest, time.monotonic() - started)


def _host_ca_bundle() -> Path | None:
    """The CA bundle this machine trusts: behind a TLS-intercepting proxy, builds need it."""
    for candidate in (os.environ.get("SSL_CERT_FILE"), "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate).resolve()
    return None


def _drop_old_runner_tags(podman: Podman, *, keep: str) -> None:
    """Untag all but the newest runner builds; recent ones may be in use by another run."""
    listing = podman("images", "--format", "json", RUNNER_REPOSITORY, check=False)
    if listing.returncode != 0:
        return
    tagged = [
        (int(image.get("Created", 0)), name)
        for image in json.loads(listing.stdout or "[]")
        for name in image.get("Names") or ()
        if name.startswith(f"{RUNNER_REPOSITORY}:")
    ]
    newest_first = [
        (created, name) for created, name in sorted(tagged, reverse=True) if name != keep
    ]
    too_old = time.time() - KEEP_RUNNER_SECONDS
    for created, name in newest_first[KEEP_RUNNER_TAGS - 1 :]:
        if created < too_old:
            podman("rmi", name, check=False)
