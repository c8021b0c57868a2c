"""Container engines that build a workflow's image reproducibly: podman, buildah, docker.

Each engine is asked for the same result, with its own flags:

- podman / buildah: ``build --layers --timestamp 0 --identity-label=false``
  (the created time of the image, of its history entries and of every file
  fixed, no buildah version label): the same context gives the same image
  ID, ``RUN`` layers included, whether its layers were built or taken from
  the cache (``--layers``; ``--omit-history``, another way to drop the
  times, would turn that cache off). ``push --digestfile`` reports the
  pushed digest.
- docker: ``buildx build`` with ``SOURCE_DATE_EPOCH=0`` and an output of
  ``rewrite-timestamp=true`` (BuildKit's way to the same end), without
  provenance attestations (they carry build times); ``--metadata-file``
  reports the digest of a push.

The base image is pinned before the build: podman and buildah by its local
image ID (an imported base has a new ID, and tag, every time it is made),
docker by its repository digest.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Literal

from axl.dataclass_fast import dataclass
from axl.errors import InfrastructureError, UsageError
from axl.packaging.containerfile import (
    BUILD_CA_TARGET,
    CONTAINERFILE,
    FAILURE_PREFIX,
    HOST_CACHE_TARGET,
)

__all__ = [
    "ENGINES",
    "BuildCommand",
    "Engine",
    "EngineError",
    "find_engine",
]

EngineName = Literal["podman", "buildah", "docker"]
ENGINES: tuple[EngineName, ...] = ("podman", "docker", "buildah")
"""The engines, in the order ``find_engine`` tries them."""
_TAIL = 40
_INSPECT_TIMEOUT = 120.0


class EngineError(InfrastructureError):
    """A container engine is missing, or a build, pull or push failed."""

    code = "engine"


@dataclass(frozen=True)
class BuildCommand:
    """One build: the argv, and the files the engine writes its results to."""

    argv: tuple[str, ...]
    iidfile: Path
    metadata_file: Path | None = None


@dataclass(frozen=True)
class Engine:
    """A container engine's CLI."""

    name: EngineName
    executable: str
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)

    # --- the base image ---------------------------------------------------------------

    def pin(self, image: str) -> str:
        """``image`` as a reference that cannot move: pulled first when it is not here."""
        if "@sha256:" in image:
            return image
        pinned = self._local_pin(image)
        if pinned is None:
            self._run_checked(["pull", image], f"pulling the base image {image}")
            pinned = self._local_pin(image)
        if pinned is None:
            raise EngineError(
                f"{self.name} pulled the base image {image} but cannot inspect it",
                hint=f"check `{self.name} images`",
            )
        return pinned

    def _local_pin(self, image: str) -> str | None:
        if self.name == "docker":
            args = ["image", "inspect", "--format", "{{json .RepoDigests}} {{.Id}}", image]
        elif self.name == "buildah":
            args = ["inspect", "--type", "image", "--format", "{{.FromImageID}}", image]
        else:
            args = ["image", "inspect", "--format", "{{.Id}}", image]
        result = self._run(args, timeout=_INSPECT_TIMEOUT)
        if result.returncode != 0 or not result.stdout.strip():
            return None
        if self.name != "docker":
            image_id = result.stdout.strip()
            return image_id if image_id.startswith("sha256:") else f"sha256:{image_id}"
        digests_text, _, image_id = result.stdout.strip().rpartition(" ")
        digests = json.loads(digests_text or "null") or []
        repository = _repository(image)
        for digest in digests:
            if digest.split("@", 1)[0] == repository:
                return str(digest)
        return str(digests[0]) if digests else image_id

    # --- build and push -------------------------------------------------------------

    def build_command(
        self,
        context: Path,
        tag: str,
        results: Path,
        *,
        build_args: Mapping[str, str] | None = None,
        uv_cache: Path | None = None,
        push: bool = False,
        no_cache: bool = False,
        ca_bundle: Path | None = None,
    ) -> BuildCommand:
        """The argv of a reproducible build of ``context`` tagged ``tag``.

        ``results`` is a folder for the files the engine reports into;
        ``uv_cache`` makes the build offline (podman and buildah only);
        ``no_cache`` builds every layer again instead of reusing cached ones;
        ``ca_bundle`` is the CA bundle uv trusts while it downloads (podman and buildah).
        """
        args = dict(build_args or {})
        iidfile = results / "image-id"
        mounts = []
        for flag, given in (("--uv-cache", uv_cache), ("--ca-bundle", ca_bundle)):
            if given is not None and self.name == "docker":
                raise UsageError(
                    f"{flag} needs a mount into the build, which docker build cannot make",
                    hint="build with --engine podman or --engine buildah",
                )
        if uv_cache is not None:
            args |= {"UV_CACHE_DIR": HOST_CACHE_TARGET, "UV_OFFLINE": "1"}
            mounts += ["--network=none", "--volume", f"{uv_cache}:{HOST_CACHE_TARGET}"]
        if ca_bundle is not None:
            args["BUILD_CA_BUNDLE"] = BUILD_CA_TARGET
            mounts += ["--volume", f"{ca_bundle}:{BUILD_CA_TARGET}:ro"]
        arg_flags = [flag for key in sorted(args) for flag in ("--build-arg", f"{key}={args[key]}")]
        file_flag = ["--file", str(context / CONTAINERFILE), *(["--no-cache"] if no_cache else [])]
        if self.name == "docker":
            metadata = results / "metadata.json"
            kind = "image,push=true" if push else "docker"
            argv = [
                self.executable,
                "buildx",
                "build",
                *file_flag,
                "--build-arg",
                "SOURCE_DATE_EPOCH=0",
                *arg_flags,
                "--provenance=false",
                "--sbom=false",
                "--output",
                f"type={kind},name={tag},rewrite-timestamp=true",
                "--iidfile",
                str(iidfile),
                "--metadata-file",
                str(metadata),
                str(context),
            ]
            return BuildCommand(tuple(argv), iidfile, metadata)
        argv = [
            self.executable,
            "build",
            *file_flag,
            "--pull=never",
            "--layers",
            "--timestamp",
            "0",
            "--identity-label=false",
            *arg_flags,
        ]
        argv += [*mounts, "--iidfile", str(iidfile), "--tag", tag, str(context)]
        return BuildCommand(tuple(argv), iidfile)

    def build(self, command: BuildCommand, *, echo: bool, timeout: float) -> str:
        """Run ``command``; the image ID (``sha256:...``). Raises :class:`EngineError`."""
        if self.name == "docker":
            self._require_buildx()
        code, tail = _run_streaming(command.argv, self.env, echo=echo, timeout=timeout)
        if code != 0:
            raise EngineError(
                f"{self.name} build failed: {_reason(tail)}",
                hint="the build's output is above"
                if echo
                else "run again without --json to see the build's output",
                exit_status=code,
            )
        try:
            image_id = command.iidfile.read_text().strip()
        except OSError:
            raise EngineError(f"{self.name} build wrote no image ID") from None
        return image_id if image_id.startswith("sha256:") else f"sha256:{image_id}"

    def pushed_digest(self, command: BuildCommand, tag: str, results: Path) -> str:
        """Push ``tag`` (docker pushed it while building); the digest the registry has."""
        if self.name == "docker":
            assert command.metadata_file is not None
            metadata = json.loads(command.metadata_file.read_text() or "{}")
            digest = metadata.get("containerimage.digest")
            if not isinstance(digest, str) or not digest.startswith("sha256:"):
                raise EngineError(f"docker buildx pushed {tag} but reported no digest")
            return digest
        digestfile = results / "digest"
        self._run_checked(["push", "--digestfile", str(digestfile), tag], f"pushing {tag}")
        return digestfile.read_text().strip()

    # --- processes --------------------------------------------------------------------

    def _require_buildx(self) -> None:
        if self._run(["buildx", "version"], timeout=_INSPECT_TIMEOUT).returncode != 0:
            raise EngineError(
                "docker buildx is not available: a reproducible build needs BuildKit's "
                "rewrite-timestamp",
                hint="install the docker buildx plugin, or build with --engine podman",
            )

    def _run(self, args: Sequence[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [self.executable, *args],
                env=dict(self.env),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise EngineError(
                f"{self.name} {args[0]} did not finish in {timeout:.0f} s",
                hint=f"check that {self.name} works (`{self.name} info`)",
            ) from None
        except OSError as exc:
            raise EngineError(f"cannot run {self.executable}: {exc}") from None

    def _run_checked(self, args: Sequence[str], what: str) -> None:
        code, tail = _run_streaming((self.executable, *args), self.env, echo=False, timeout=3600.0)
        if code != 0:
            raise EngineError(
                f"{what} failed: {_reason(tail)}",
                hint="check the image name, the registry and your login to it",
            )


def find_engine(name: str | None = None, env: Mapping[str, str] | None = None) -> Engine:
    """The engine called ``name``, or the first of :data:`ENGINES` installed here.

    Raises :class:`EngineError` (exit 4) when it is not installed, and
    :class:`~axl.errors.UsageError` for a name that is no engine.
    """
    environment = dict(os.environ if env is None else env)
    path = environment.get("PATH")
    if name is not None:
        if name not in ENGINES:
            raise UsageError(
                f"--engine {name!r} is not a container engine axl builds with",
                hint=f"pick one of {', '.join(sorted(ENGINES))}",
            )
        executable = shutil.which(name, path=path)
        if executable is None:
            raise EngineError(
                f"{name} is not installed (not found on PATH)",
                hint=f"install {name}, or pick another with --engine "
                f"({', '.join(e for e in sorted(ENGINES) if e != name)})",
            )
        return Engine(name, executable, environment)
    for candidate in ENGINES:
        executable = shutil.which(candidate, path=path)
        if executable is not None:
            return Engine(candidate, executable, environment)
    raise EngineError(
        "no container engine is installed: axl builds images with podman, docker or buildah",
        hint="install podman (or docker with buildx, or buildah)",
    )


def _repository(image: str) -> str:
    """``registry/name:tag`` -> ``registry/name`` (a port's ``:`` is kept)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: -len(last.split(":", 1)[1]) - 1] if ":" in last else name


def _reason(tail: Sequence[str]) -> str:
    """The one line of a failed command's output that says why."""
    lines = [line.strip() for line in tail if line.strip()]
    for line in reversed(lines):
        if line.startswith(FAILURE_PREFIX):
            return line.removeprefix(FAILURE_PREFIX).strip()
    for line in reversed(lines):
        if line.lower().startswith(("error", "error:")) or " error: " in line.lower():
            return line
    return lines[-1] if lines else "no output"


def _run_streaming(
    argv: Sequence[str], env: Mapping[str, str], *, echo: bool, timeout: float
) -> tuple[int, list[str]]:
    """Run ``argv``, echoing its output to stderr when ``echo``; (exit code, last lines).

    The process runs in its own session; after ``timeout`` seconds its whole
    group is killed and :class:`EngineError` raised.
    """
    try:
        process = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        raise EngineError(f"cannot run {argv[0]}: {exc}") from None
    tail: deque[str] = deque(maxlen=_TAIL)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            tail.append(line.rstrip("\n"))
            if echo:
                sys.stderr.write(line)
                sys.stderr.flush()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        code = process.wait(timeout=timeout)
    except BaseException as exc:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if isinstance(exc, subprocess.TimeoutExpired):
            raise EngineError(
                f"{Path(argv[0]).name} {argv[1]} did not finish in {timeout:.0f} s; stopped it",
                hint="raise --timeout, or look at what the build waits for",
            ) from None
        raise
    finally:
        reader.join(timeout=10)
    return code, list(tail)
