"""How long ``axl build-image`` takes with podman: a first build, a rebuild, a code-only change.

The project is ``examples/baked_project`` (its own ``uv.lock`` with one
third-party dependency), copied to a temp folder and built offline
(``--uv-cache``, from a uv cache filled on the host once) on the runner
image built from this tree, as ``tests/containers/test_baked_image.py``
builds it. Each repeat times, as whole ``axl build-image`` processes:

* **(a) first build**: ``--no-cache``, every layer built (no cached layers);
* **(b) rebuild**: the unchanged project again, cached layers allowed;
* **(c) code-only change**: one source file edited (``inventory/render.py``,
  a comment that differs each repeat), cached layers allowed: only the code
  layer should be built again, the dependency layer reused. The edit is
  undone before the next repeat.

Printed: min / median / max of each, its ratio to (a) (medians), how many of
the Containerfile's steps came from the layer cache, and whether the image
IDs agree (every (a) alike, (b) the same as (a)). The same three builds are
also timed as bare ``podman build`` runs of the same context with axl's
flags, to show what the command adds to the engine's build.

Everything runs in a podman storage of its own (a temp folder, the runner
image copied in with ``podman save`` / ``podman load``), so that (a) starts
from no cached layer at all, no other build's cache is used or removed,
and the images it creates go when the storage is deleted at the end. One
untimed build comes first (its time is printed: the coldest, in a new
storage); the repeats are warm (podman's files and the uv cache in the page
cache). Run::

    .venv/bin/python benchmarks/image_build.py [--repeats 3] [--timeout 600]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # the tests' image helpers

from _common import spread, table

from axl import __version__
from axl.packaging.image_context import extract_context
from axl.packaging.image_engine import Engine
from tests.containers.images import (
    BASE_IMAGE,
    ImageUnavailable,
    ensure_base_image,
    ensure_runner_image,
    fill_uv_cache,
    unmount_below,
)
from tests.containers.podman import Podman, probe_podman
from tests.packaging.image_helpers import PROJECT, TARGET, copy_project

TAG = "localhost/axl-bench-inventory:bench"
EDITED = "inventory/render.py"
_BUILT = re.compile(r"^built \S+: (sha256:[0-9a-f]{64})$", re.MULTILINE)
_STEP = re.compile(r"^STEP \d+/(\d+):", re.MULTILINE)
_CACHED = re.compile(r"^--> Using cache ", re.MULTILINE)


@dataclass(frozen=True)
class Build:
    """One timed build: seconds, the image ID, steps from the cache / steps after FROM."""

    seconds: float
    image_id: str
    cached: int
    steps: int


@dataclass
class Series:
    """The builds of one kind (a, b or c) of one way of building, over the repeats."""

    builds: list[Build] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(b.seconds for b in self.builds)

    @property
    def ids(self) -> list[str]:
        return [b.image_id for b in self.builds]


def _steps(output: str) -> tuple[int, int]:
    """(steps taken from the layer cache, steps after FROM) in a build's output."""
    totals = _STEP.findall(output)
    return len(_CACHED.findall(output)), int(totals[0]) - 1 if totals else 0


# --- a podman storage of the benchmark's own ---------------------------------------


@contextmanager
def private_storage(shared: Podman, runner: Path, timeout: float) -> Iterator[Podman]:
    """podman on a new storage under a temp folder holding only the image saved in ``runner``
    (``podman save``); the folder is deleted after."""
    folder = Path(tempfile.mkdtemp(prefix="axl-bench-storage-", dir="/var/tmp"))
    graphroot = folder / "root"
    conf = folder / "storage.conf"
    conf.write_text(
        f'[storage]\ndriver = "overlay"\ngraphroot = "{graphroot}"\nrunroot = "{folder / "run"}"\n'
    )
    podman = Podman(shared.executable, {**shared.env, "CONTAINERS_STORAGE_CONF": str(conf)})
    own = False
    try:
        found = podman("info", "--format", "{{.Store.GraphRoot}}").stdout.strip()
        if Path(found) != graphroot:
            raise RuntimeError(f"podman uses the storage {found}, not {graphroot}")
        own = True
        podman("load", "--input", str(runner), timeout=timeout)
        yield podman
    finally:
        if own:  # this storage only, named twice: never the one other builds use
            storage = ("--root", str(graphroot), "--runroot", str(folder / "run"))
            podman(*storage, "rmi", "--all", "--force", check=False, timeout=timeout)
        unmount_below(folder)
        shutil.rmtree(folder, ignore_errors=True)


# --- the builds --------------------------------------------------------------------


@dataclass(frozen=True)
class Bench:
    podman: Podman
    runner: str
    uv_cache: Path
    project: Path
    work: Path
    timeout: float

    def cli(self, *extra: str) -> Build:
        """``axl build-image`` as a user runs it (its output parsed for ID and cache use)."""
        argv = [sys.executable, "-m", "axl", "build-image", "-m", TARGET, "--tag", TAG]
        argv += ["--engine", "podman", "--base", self.runner, "--uv-cache", str(self.uv_cache)]
        argv += ["--timeout", str(self.timeout), *extra]
        started = time.perf_counter()
        result = subprocess.run(
            argv,
            cwd=self.project,
            env=self.podman.env,
            capture_output=True,
            text=True,
            timeout=self.timeout + 60,
            check=False,
        )
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"axl build-image failed: {result.stderr.strip()[-1500:]}")
        found = _BUILT.search(result.stdout)
        if found is None or "--no-build" in extra:
            return Build(seconds, "", 0, 0)
        return Build(seconds, found.group(1), *_steps(result.stderr))

    def context(self, name: str) -> Path:
        """The project's build context as ``axl build-image`` writes it, unpacked."""
        tar = self.work / f"{name}.tar"
        self.cli("--no-build", "--context-out", str(tar))
        folder = self.work / name
        shutil.rmtree(folder, ignore_errors=True)
        extract_context(tar, folder)
        return folder

    def engine(self, context: Path, *, no_cache: bool) -> Build:
        """``podman build`` of ``context`` with the argv ``axl build-image`` runs."""
        results = self.work / "results"
        results.mkdir(exist_ok=True)
        engine = Engine("podman", self.podman.executable, self.podman.env)
        command = engine.build_command(
            context, TAG, results, uv_cache=self.uv_cache, no_cache=no_cache
        )
        argv = list(command.argv)
        started = time.perf_counter()
        result = subprocess.run(
            argv,
            env=self.podman.env,
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"podman build failed: {result.stderr.strip()[-1500:]}")
        image_id = command.iidfile.read_text().strip()
        output = result.stdout + result.stderr
        return Build(seconds, f"sha256:{image_id.removeprefix('sha256:')}", *_steps(output))


@contextmanager
def code_edit(project: Path, nonce: str) -> Iterator[None]:
    """``inventory/render.py`` with one more comment line, restored after."""
    path = project / EDITED
    original = path.read_bytes()
    path.write_bytes(original + f"# an edit of the benchmark: {nonce}\n".encode())
    try:
        yield
    finally:
        path.write_bytes(original)


def _build(bench: Bench, way: str, kind: str, context: Path) -> Build:
    """Build (a), (b) or (c) the ``way`` way: ``axl build-image``, or ``podman build`` of
    ``context`` (for the command line, the project as it is now)."""
    if way == "cli":
        return bench.cli("--no-cache") if kind == "a" else bench.cli()
    return bench.engine(context, no_cache=kind == "a")


def measure(
    benches: dict[str, Bench], repeats: int
) -> tuple[dict[str, float], dict[str, dict[str, Series]]]:
    """Each way's untimed first build (seconds), and its (a), (b), (c) series."""
    cli = benches["cli"]
    plain = cli.context("plain")
    firsts = {way: _build(bench, way, "a", plain).seconds for way, bench in benches.items()}
    ways = {way: {kind: Series() for kind in "abc"} for way in benches}
    for repeat in range(repeats):
        print(f"repeat {repeat + 1}/{repeats}", file=sys.stderr, flush=True)
        nonce = f"{repeat}-{os.getpid()}-{time.time_ns()}"
        with code_edit(cli.project, nonce):
            edited = cli.context(f"edited-{repeat}")
        for way, bench in benches.items():
            series = ways[way]
            series["a"].builds.append(_build(bench, way, "a", plain))
            series["b"].builds.append(_build(bench, way, "b", plain))
            with code_edit(cli.project, nonce):
                series["c"].builds.append(_build(bench, way, "c", edited))
    return firsts, ways


# --- the report --------------------------------------------------------------------

_LABELS = {
    "a": "(a) first build (--no-cache)",
    "b": "(b) rebuild, unchanged",
    "c": "(c) rebuild after a code-only edit",
}
_WAYS = {
    "cli": "axl build-image (the whole command)",
    "axl-flags": "podman build, axl's flags (engine only)",
}


def report(firsts: dict[str, float], ways: dict[str, dict[str, Series]], repeats: int) -> str:
    rows = []
    for way, series in ways.items():
        base = series["a"].median
        rows.append([_WAYS[way], "", "", ""])
        for kind in "abc":
            builds = series[kind].builds
            cached = sorted({f"{b.cached}/{b.steps}" for b in builds})
            rows.append(
                [
                    f"  {_LABELS[kind]}",
                    f"{spread([b.seconds for b in builds])} s",
                    f"{series[kind].median / base:.2f}",
                    ", ".join(cached),
                ]
            )
    lines = [
        table(["build", "min / median / max", "vs (a)", "steps cached"], rows),
        "",
        "The untimed first build in each new storage (cold): "
        + ", ".join(f"{_WAYS[way]} {seconds:.2f} s" for way, seconds in firsts.items())
        + ".",
    ]
    for way, series in ways.items():
        a_ids, b_ids, c_ids = (series[k].ids for k in "abc")
        own = len(set(c_ids)) == len(c_ids) and not set(c_ids) & set(a_ids)
        lines.append(
            f"{_WAYS[way]}: every (a) the same image ID: {_yes(len(set(a_ids)) == 1)} "
            f"({a_ids[0][:19]}); (b) = (a): {_yes(set(b_ids) == set(a_ids))}; "
            f"each (c) its own: {_yes(own)}"
        )
    same = set(ways["cli"]["a"].ids) == set(ways["axl-flags"]["a"].ids)
    lines.append(f"axl build-image and its engine command give one image ID: {_yes(same)}.")
    lines.append(
        f"{repeats} repeats of (a), (b), (c) in turn, each way in a podman storage of its own "
        "(after one untimed build there); offline (--uv-cache: no download in (a)); warm page "
        "cache."
    )
    return "\n".join(lines)


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a build may take")
    given = parser.parse_args(argv)
    availability = probe_podman()
    if availability.podman is None:
        print(f"image_build: podman is not usable here: {availability.reason}", file=sys.stderr)
        return 2
    shared = availability.podman
    try:
        base = ensure_base_image(shared)
        runner = ensure_runner_image(shared, BASE_IMAGE, __version__)
        uv_cache = fill_uv_cache(PROJECT)
    except ImageUnavailable as exc:
        print(f"image_build: {exc}", file=sys.stderr)
        return 2
    if base is not None or runner.seconds is not None:
        print(f"(built the base / runner image first: {base} / {runner.seconds} s)")
    version = shared("--version").stdout.strip()
    with tempfile.TemporaryDirectory(prefix="axl-bench-image-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        project = copy_project(work / "project")
        archive = work / "runner.tar"
        shared("save", "--output", str(archive), runner.image, timeout=given.timeout)
        names = ["cli", "axl-flags"]
        benches = {}
        for name in names:
            podman = stack.enter_context(private_storage(shared, archive, given.timeout))
            folder = work / name
            folder.mkdir()
            benches[name] = Bench(podman, runner.image, uv_cache, project, folder, given.timeout)
        firsts, ways = measure(benches, given.repeats)
    print(f"examples/baked_project on {runner.image}, {version}, {os.cpu_count()} cores")
    print(report(firsts, ways, given.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
