"""Where the Argo controller double starts a pod: a podman container, or a host process.

Both take a :class:`PodSpec` (the image, the container's exact command,
env, bind mounts) and return the completed process with the command's own
exit code. :class:`ContainerExecutor` runs it as Argo's pod would run it:
``podman run --rm --network=none`` in the image the template names, each
mount at its declared path (``network="host"`` for a test whose pods reach a
server it started on 127.0.0.1). :class:`WithTestFolder` adds a folder of the
test's to every pod (a mount and an env var naming it), for steps that leave a
trace the test reads. :class:`HostExecutor` is the fallback where
podman is unusable: the same command as a host process, with every path
under a mount target remapped to its host folder (also inside the
``--manifest-json`` text), the image's ``/axl`` emulated by a folder of the
pod's own, and the runner's default work folder written into the manifest.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from tests.containers.podman import Podman, StepRunner

IMAGE_ROOT = "/axl"
"""The image's working folder, holding the runner's default work folder."""
RUNNER_WORKDIR = f"{IMAGE_ROOT}/workdir"


@dataclass(frozen=True)
class PodSpec:
    """One pod's main container, as the controller double starts it."""

    image: str
    command: list[str]
    env: Mapping[str, str]
    mounts: Mapping[Path, str]
    """Host path -> container path (``:ro`` appended for read-only)."""
    scratch: Path
    """A folder of this pod's own on the host (for what the image would hold)."""
    timeout: float


class Executor(Protocol):
    """Starts a pod and waits for it."""

    @property
    def description(self) -> str: ...

    @property
    def in_container(self) -> bool: ...

    def run(self, pod: PodSpec) -> subprocess.CompletedProcess[str]: ...


@dataclass(frozen=True)
class ContainerExecutor:
    """Runs each pod with podman, without network, in the image its template names."""

    podman: Podman
    network: str = "none"
    """podman's ``--network``: ``host`` reaches servers on this machine's 127.0.0.1."""

    @property
    def description(self) -> str:
        return f"podman (--network={self.network}), in the image each template names"

    @property
    def in_container(self) -> bool:
        return True

    def run(self, pod: PodSpec) -> subprocess.CompletedProcess[str]:
        return self.podman.run_in_image(
            pod.image,
            pod.command,
            mounts=dict(pod.mounts),
            env=dict(pod.env),
            timeout=pod.timeout,
            network=self.network,
        )


@dataclass(frozen=True)
class WithTestFolder:
    """Another executor, with the test's ``folder`` mounted in every pod at ``target`` and
    named by the env var ``env`` (not in the compiled template, so no cache key sees it)."""

    inner: Executor
    folder: Path
    target: str
    env: str

    @property
    def description(self) -> str:
        return self.inner.description

    @property
    def in_container(self) -> bool:
        return self.inner.in_container

    def run(self, pod: PodSpec) -> subprocess.CompletedProcess[str]:
        mounts = {**pod.mounts, self.folder: self.target}
        return self.inner.run(replace(pod, env={**pod.env, self.env: self.target}, mounts=mounts))


@dataclass(frozen=True)
class HostExecutor:
    """Runs each pod's command as a host process, paths remapped (podman is unusable)."""

    reason: str

    @property
    def description(self) -> str:
        return f"host processes ({self.reason})"

    @property
    def in_container(self) -> bool:
        return False

    def run(self, pod: PodSpec) -> subprocess.CompletedProcess[str]:
        image_root = pod.scratch / IMAGE_ROOT.strip("/")
        (image_root / "workdir").mkdir(parents=True, exist_ok=True)
        mounts = {image_root: IMAGE_ROOT, **pod.mounts}
        table = _mount_table(mounts)
        command = [
            _remap_manifest(arg, table) if arg.startswith("{") else arg for arg in pod.command
        ]
        # cwd is the emulated /axl (the image's WORKDIR), never the checkout: with
        # `python -m`, the working folder is importable and would hide a missing archive.
        return StepRunner(None, None, self.reason).run(
            command, mounts=mounts, env=pod.env, workdir=IMAGE_ROOT, timeout=pod.timeout
        )


def _mount_table(mounts: Mapping[Path, str]) -> list[tuple[str, str]]:
    """(container path, host path), the longest container path first."""
    pairs = [
        (target.removesuffix(":ro"), str(Path(host).resolve())) for host, target in mounts.items()
    ]
    return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


def host_path(path: str, table: list[tuple[str, str]]) -> str:
    """The host path of a container path under one of the mounts (else unchanged)."""
    for target, host in table:
        if path == target or path.startswith(target + "/"):
            return host + path[len(target) :]
    return path


def _remap_manifest(text: str, table: list[tuple[str, str]]) -> str:
    """A manifest with every container path remapped, and the default work folder explicit."""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if not isinstance(data, dict):
        return text
    code = data.get("code")
    if isinstance(code, dict):
        code.setdefault("workdir", RUNNER_WORKDIR)
    return json.dumps(_remap_strings(data, table), sort_keys=True, separators=(",", ":"))


def _remap_strings(value: Any, table: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        return host_path(value, table)
    if isinstance(value, list):
        return [_remap_strings(item, table) for item in value]
    if isinstance(value, dict):
        return {key: _remap_strings(item, table) for key, item in value.items()}
    return value
