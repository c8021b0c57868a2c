"""Run commands in an image with podman, or on the host when podman is unusable.

Both runners share one signature, so an end-to-end test runs a compiled
task's command the same way wherever it can:

    runner.run(["python", "-m", "axl.runtime", "run", "--manifest", "/data/m.json"],
               mounts={tmp_path: "/data"}, env={"AXL_X": "1"}, timeout=60)

``mounts`` maps a host path to a container path; append ``:ro`` to the
container path for a read-only mount. Mounts under the temp folder (where
tests keep their files, e.g. ``tmp_path``) are chowned to the image's user
(podman's ``U`` option), like a pod's volume with ``fsGroup``, so that the
non-root runner can read and write them. Anything else (the repository, a
wheel folder) may only be mounted read-only, as it is, and must be readable
by uid 1000.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENSURE_SCRIPT = ROOT / "scripts" / "ensure-podman.sh"
DEFAULT_TIMEOUT = 120.0
_names = itertools.count()


class PodmanError(RuntimeError):
    """podman itself failed (exit 125), as opposed to the command in the container."""


@dataclass(frozen=True)
class Mount:
    """One bind mount: host path, container path, read-only or not, chowned or not."""

    host: Path
    container: str
    read_only: bool
    chown: bool
    """Chown the host path to the container's user: only ever under the temp folder."""

    @property
    def options(self) -> str:
        return ",".join(o for o, on in (("ro", self.read_only), ("U", self.chown)) if on)

    @classmethod
    def parse(cls, host: str | Path, container: str) -> Mount:
        read_only = container.endswith(":ro")
        target = container.removesuffix(":ro")
        if not target.startswith("/"):
            raise ValueError(f"mount target {container!r} must be an absolute container path")
        path = Path(host).resolve()
        if not path.exists():
            raise FileNotFoundError(f"mount source {path} does not exist")
        temp = Path(tempfile.gettempdir()).resolve()
        chown = temp in path.parents
        if not (read_only or chown):
            raise ValueError(
                f"{path} is outside {temp}: mount it read-only ({target + ':ro'!r}); "
                "read-write mounts are chowned to the image's user"
            )
        return cls(path, target, read_only, chown)


def parse_mounts(mounts: Mapping[str | Path, str] | None) -> list[Mount]:
    """Mounts sorted by container path, each checked."""
    return sorted(
        (Mount.parse(host, container) for host, container in (mounts or {}).items()),
        key=lambda m: m.container,
    )


@dataclass(frozen=True)
class Podman:
    """The podman CLI with the containers.conf this machine needs."""

    executable: str
    env: dict[str, str] = field(repr=False)
    """The full environment for podman commands (CONTAINERS_CONF set)."""

    def __call__(
        self, *args: str, timeout: float = DEFAULT_TIMEOUT, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """``podman ARGS``; raises :class:`PodmanError` with stderr when ``check`` and it fails."""
        result = subprocess.run(
            [self.executable, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise PodmanError(
                f"podman {' '.join(args[:3])} exited {result.returncode}: "
                f"{result.stderr.strip()[-2000:]}"
            )
        return result

    def image_exists(self, image: str) -> bool:
        return self("image", "exists", image, check=False).returncode == 0

    def labels(self, image: str) -> dict[str, str]:
        out = self("image", "inspect", "--format", "{{json .Config.Labels}}", image).stdout
        return dict(json.loads(out) or {})

    def run_in_image(
        self,
        image: str,
        command: list[str],
        *,
        mounts: Mapping[str | Path, str] | None = None,
        env: Mapping[str, str] | None = None,
        workdir: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        user: str | None = None,
        network: str = "none",
    ) -> subprocess.CompletedProcess[str]:
        """Run ``command`` (entrypoint and arguments, like a pod's command) without network
        (``network="host"``: on this machine's, for a test whose server is on 127.0.0.1).

        Returns the completed process with the command's own exit code.
        Raises :class:`PodmanError` when podman could not run it (exit 125),
        and ``subprocess.TimeoutExpired`` after removing the container when
        it outlives ``timeout``.
        """
        if not command:
            raise ValueError("command must not be empty")
        name = f"axl-test-{os.getpid()}-{next(_names)}"
        args = [self.executable, "run", "--rm", "--pull=never", f"--network={network}"]
        args += ["--name", name]
        for mount in parse_mounts(mounts):
            suffix = f":{mount.options}" if mount.options else ""
            args += ["--volume", f"{mount.host}:{mount.container}{suffix}"]
        for key, value in sorted((env or {}).items()):
            args += ["--env", f"{key}={value}"]
        if workdir is not None:
            args += ["--workdir", workdir]
        if user is not None:
            args += ["--user", user]
        args += ["--entrypoint", command[0], image, *command[1:]]
        try:
            result = subprocess.run(
                args, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            self("rm", "--force", "--time", "0", name, check=False, timeout=60)
            raise
        if result.returncode == 125:
            raise PodmanError(f"podman run {image} failed: {result.stderr.strip()[-2000:]}")
        return result


@dataclass(frozen=True)
class Availability:
    """Whether podman can run containers here, and why not when it cannot."""

    podman: Podman | None
    reason: str | None


def probe_podman() -> Availability:
    """Ask ``scripts/ensure-podman.sh --no-install`` whether podman works, and its config."""
    if os.environ.get("AXL_TESTS_NO_PODMAN"):
        return Availability(None, "AXL_TESTS_NO_PODMAN is set")
    executable = shutil.which("podman")
    if executable is None:
        return Availability(None, "podman is not installed (run scripts/ensure-podman.sh)")
    result = subprocess.run(
        ["bash", str(ENSURE_SCRIPT), "--no-install"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    conf = next(
        (
            line.removeprefix("CONTAINERS_CONF=")
            for line in result.stdout.splitlines()
            if line.startswith("CONTAINERS_CONF=")
        ),
        None,
    )
    if conf is None:
        detail = result.stderr.strip().splitlines()
        return Availability(None, detail[-1] if detail else "podman does not work here")
    return Availability(Podman(executable, {**os.environ, "CONTAINERS_CONF": conf}), None)


@dataclass(frozen=True)
class StepRunner:
    """Runs a task's command in ``image`` with podman, or on the host when ``podman`` is None.

    On the host, container paths that are mount targets are rewritten to
    their host paths wherever they appear as a whole argument, a path prefix,
    or the value of ``--flag=VALUE``, in the command, the env values and the
    workdir; a leading ``python``/``python3`` becomes this interpreter.
    """

    podman: Podman | None
    image: str | None
    reason: str | None = None
    """Why commands run on the host (None in a container)."""

    @property
    def in_container(self) -> bool:
        return self.podman is not None and self.image is not None

    @property
    def description(self) -> str:
        return f"podman, image {self.image}" if self.in_container else f"the host ({self.reason})"

    def run(
        self,
        command: list[str],
        *,
        mounts: Mapping[str | Path, str] | None = None,
        env: Mapping[str, str] | None = None,
        workdir: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> subprocess.CompletedProcess[str]:
        """The completed process, with the command's exit code, wherever it ran."""
        if self.podman is not None and self.image is not None:
            return self.podman.run_in_image(
                self.image, command, mounts=mounts, env=env, workdir=workdir, timeout=timeout
            )
        return _run_on_host(command, mounts=mounts, env=env, workdir=workdir, timeout=timeout)


def _run_on_host(
    command: list[str],
    *,
    mounts: Mapping[str | Path, str] | None,
    env: Mapping[str, str] | None,
    workdir: str | None,
    timeout: float,
) -> subprocess.CompletedProcess[str]:
    if not command:
        raise ValueError("command must not be empty")
    parsed = sorted(parse_mounts(mounts), key=lambda m: len(m.container), reverse=True)

    def host_path(value: str) -> str:
        for mount in parsed:
            if value == mount.container or value.startswith(mount.container + "/"):
                return str(mount.host) + value[len(mount.container) :]
        return value

    def translate(value: str) -> str:
        if value.startswith("-") and "=" in value:
            flag, _, rest = value.partition("=")
            return f"{flag}={host_path(rest)}"
        return host_path(value)

    argv = [translate(arg) for arg in command]
    if argv[0] in {"python", "python3"}:
        argv[0] = sys.executable
    full_env = {**os.environ, **{k: translate(v) for k, v in (env or {}).items()}}
    return subprocess.run(
        argv,
        env=full_env,
        cwd=host_path(workdir) if workdir else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
