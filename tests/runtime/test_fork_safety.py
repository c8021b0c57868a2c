"""No step process is forked from a process with threads; cache hits never hang a run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.runtime.engine_cli import MODES, ROOT, run, target

# Every os.fork in the engine's processes, with the number of threads alive at that moment.
_COUNT_FORKS = """
import os, sys
log = sys.argv.pop(1)
real_fork = os.fork
def fork():
    threads = len(os.listdir("/proc/self/task"))
    with open(log, "a") as f:
        f.write(f"{os.getpid()} {threads}\\n")
    return real_fork()
os.fork = fork
from axl.cli.app import main
sys.argv[0] = "axl"
main()
"""


@pytest.mark.parametrize("isolation", MODES)
def test_a_cache_hit_then_a_large_output_does_not_hang(tmp_path: Path, isolation: str):
    for run_id in ("first", "second"):  # the second run restores the cached source
        out = run("BigAfterCache", tmp_path, "--isolation", isolation, "--run-id", run_id)
        assert out.returncode == 0, out.stderr
    assert "hit   source" in out.stdout


@pytest.mark.parametrize("isolation", ["worker", "fork"])
def test_every_fork_happens_in_a_single_threaded_process(tmp_path: Path, isolation: str):
    log = tmp_path / "forks.log"
    for run_id in ("first", "second"):
        out = subprocess.run(
            [
                sys.executable, "-c", _COUNT_FORKS, str(log), "run", "local",
                "-m", target("BigAfterCache"), "--workspace", str(tmp_path / "ws"),
                "--isolation", isolation, "--run-id", run_id,
            ],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
    forks = [line.split() for line in log.read_text().splitlines()]
    assert len(forks) >= 4  # the fork server and the step processes, twice
    assert [threads for _, threads in forks] == ["1"] * len(forks)


def test_the_global_hash_pool_is_only_for_step_processes(tmp_path: Path):
    """Hashing a large file in the engine's process leaves no thread behind."""
    code = (
        "import os, pathlib; from axl.io.artifacts import write_artifact, verify_artifact\n"
        f"p = pathlib.Path({str(tmp_path)!r}) / 'out.pkl'\n"
        "write_artifact(os.urandom(9_000_000), p, 'pickle', step='s')\n"
        "verify_artifact(p)\n"
        "import time\n"
        "for _ in range(100):  # the threads of a dropped pool are on their way out\n"
        "    if len(os.listdir('/proc/self/task')) == 1: break\n"
        "    time.sleep(0.01)\n"
        "print(len(os.listdir('/proc/self/task')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "1"
