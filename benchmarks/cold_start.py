"""The runner's cold start of one step that needs a package, by where the package comes from.

Each run is a fresh ``python -m axl.runtime run --manifest-json M`` process
in archive mode (the code archive extracted into a new work folder), whose
step imports ``axl_env_probe`` (a small pure-Python wheel with one
dependency, written here; uv installs it offline from a local folder):

* floor, baked: the package already installed (on ``PYTHONPATH``, as in an
  image built with ``axl build-image``), policy ``check``;
* baked, policy ``none``: the same without the check;
* install, env in the local cache: policy ``install``, the env already in
  this machine's env cache (a later step on the same node);
* install, warm env from S3: policy ``install``, an empty env cache, the env
  that the warm step uploaded to a local S3 server (moto) fetched, checked
  and extracted;
* install, cold: policy ``install``, an empty env cache and an empty uv
  cache, and no env in the store: uv installs from the local wheels.

The sides run interleaved (one run of each in turn, round after round) after
one untimed warm-up round; wall seconds as min / median / max, and each
side's median over the floor's median of the same run::

    uv run python benchmarks/cold_start.py
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import interleaved, spread, table

from axl.manifest import CodeArchive, EnvStore, Manifest, ManifestOutput, Packages, WarmManifest
from tests.runtime.offline_envs import PROBE, offline_env

REPEATS = 9
FLOW = '''"""The benchmark's workflow: one step that needs a package."""

from axl import Workflow, step


class Probe(Workflow):
    name = "cold-start"

    @step
    def probe(self) -> int:
        import axl_env_probe

        return int(axl_env_probe.VALUE)
'''
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "axl-bench-key",
    "AWS_SECRET_ACCESS_KEY": "axl-bench-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_s3(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A moto S3 server on 127.0.0.1, as the tests start it."""
    endpoint = f"http://127.0.0.1:{_free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | CREDENTIALS
    log = open(home / "moto.log", "wb")  # noqa: SIM115 - the server's, closed with it
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", endpoint.rsplit(":", 1)[1]],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 30
    while True:
        try:
            opener.open(endpoint + "/", timeout=1).close()
            return server, endpoint
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"the moto server did not start: see {home / 'moto.log'}"
                ) from None
            time.sleep(0.1)


def _client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session(
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    ).client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))


class Bench:
    """Everything the sides share: the archive, the wheels, the S3 store, fresh folders."""

    def __init__(self, root: Path, endpoint: str) -> None:
        from axl.packaging.archive import build_archive

        self.root = root
        project = root / "project"
        project.mkdir()
        (project / "pyproject.toml").write_text('[project]\nname = "cold-start"\nversion = "0"\n')
        (project / "coldflow.py").write_text(FLOW)
        self.archive = build_archive(project, root / "code.tar.gz")
        self.uv, self.uv_env = offline_env(root)
        self.store = EnvStore(uri="s3://axl-bench/code/envs", endpoint=endpoint)
        _client(endpoint).create_bucket(Bucket="axl-bench")
        self.base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "UV_"))}
        self.base |= CREDENTIALS | self.uv_env
        self.count = itertools.count()
        self.local_cache = root / "envs-local"
        self.baked = root / "baked-site"
        self.side = ""
        self.sources: dict[str, set[str]] = {}
        """Where each side's runs got their env from (their ``env_ready`` logs)."""

    def fresh(self, name: str) -> Path:
        return self.root / "runs" / f"{name}-{next(self.count)}"

    def env(self, **changes: str) -> dict[str, str]:
        return self.base | changes

    def prepare(self) -> None:
        """The baked image's site-packages, the local cache's env, the store's env."""
        uv = shutil.which("uv") or "uv"
        subprocess.run(
            [uv, "pip", "install", "--quiet", "--target", str(self.baked), "--python",
             sys.executable, f"{PROBE}==1.0"],
            env=self.env(), check=True,
        )  # fmt: skip
        warm = WarmManifest(sets=((f"{PROBE}==1.0",),), store=self.store)
        for cache in (self.local_cache, self.root / "envs-warm-step"):
            subprocess.run(
                [sys.executable, "-m", "axl.runtime", "warm", "--manifest-json", warm.to_json()],
                env=self.env(AXL_PACKAGES_DIR=str(cache)), check=True, capture_output=True,
            )  # fmt: skip

    def step(self, policy: str, store: EnvStore | None, env: dict[str, str]) -> float:
        """Wall seconds of one runner process on a new work folder."""
        run = self.fresh("run")
        manifest = Manifest(
            workflow="coldflow:Probe",
            step="probe",
            outputs=(ManifestOutput(path=str(run / "out" / "output.pkl"), handler="pickle"),),
            code=CodeArchive(
                path=str(self.archive.path),
                digest=f"blake3:{self.archive.digest}",
                workdir=str(run / "workdir"),
            ),
            packages=Packages(requirements=(f"{PROBE}==1.0",), policy=policy, store=store),
        )
        command = [
            sys.executable,
            "-m",
            "axl.runtime",
            "run",
            "--manifest-json",
            manifest.to_json(),
        ]
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{policy} run failed:\n{done.stderr}")
        sources = [
            json.loads(line).get("source")
            for line in done.stderr.splitlines()
            if '"env_ready"' in line
        ]
        self.sources.setdefault(self.side, set()).update(s for s in sources if s)
        return seconds


def sides(bench: Bench) -> dict[str, Callable[[], float]]:
    def named(side: str, fn: Callable[[], float]) -> Callable[[], float]:
        def run() -> float:
            bench.side = side
            return fn()

        return run

    baked = bench.env(PYTHONPATH=str(bench.baked))
    return {
        "floor: baked, check": named("baked", lambda: bench.step("check", None, baked)),
        "baked, none": named("none", lambda: bench.step("none", None, baked)),
        "install, env in the local cache": named(
            "local",
            lambda: bench.step("install", None, bench.env(AXL_PACKAGES_DIR=str(bench.local_cache))),
        ),
        "install, warm env from S3": named(
            "s3",
            lambda: bench.step(
                "install", bench.store, bench.env(AXL_PACKAGES_DIR=str(bench.fresh("envs")))
            ),
        ),
        "install, cold (uv, empty caches)": named(
            "cold",
            lambda: bench.step(
                "install",
                None,
                bench.env(
                    AXL_PACKAGES_DIR=str(bench.fresh("envs")),
                    UV_CACHE_DIR=str(bench.fresh("uv-cache")),
                ),
            ),
        ),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server, endpoint = start_s3(root)
        try:
            bench = Bench(root, endpoint)
            bench.prepare()
            warm, timed = interleaved(sides(bench), REPEATS)
        finally:
            server.terminate()
            server.wait(timeout=10)
    floor = statistics.median(timed["floor: baked, check"])
    rows = [
        [side, spread(times), f"{statistics.median(times) / floor:.2f}x"]
        for side, times in timed.items()
    ]
    print(
        f"One step that imports a small wheel, archive mode, a fresh runner process each; "
        f"{REPEATS} interleaved runs of each side after one untimed warm-up run "
        f"(warm-up: {', '.join(f'{s:.2f} s' for s in warm.values())})\n"
    )
    print(table(["side", "wall s (min / median / max)", "median / floor"], rows))
    print(f"\nwhere each env came from: {dict(sorted(bench.sources.items()))}")


if __name__ == "__main__":
    main()
