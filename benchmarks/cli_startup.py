"""How fast axl's processes start, as whole processes, beside ``python -c pass``.

Sides (each a fresh process, bytecode present: the environment's packages,
axl/ and the workflow modules are compiled with ``compileall`` first, as an
install, ``make setup`` and the runner image do, so that no side pays for
compiling source):

* floor: ``python -c pass``;
* ``python -c "import axl"``;
* the runner's start: ``python -m axl.runtime --help`` (what a pod pays before
  it reads its manifest);
* ``axl --help``;
* ``axl validate`` of ``examples/quickstart.py``;
* ``axl run local`` of a 100-step chain of trivial steps (worker isolation),
  in a new workspace each time.

One untimed warm round, then ``--repeats`` interleaved rounds (every side in
turn, so that a drift of the machine's speed falls on all alike); wall seconds
as min / median / max, each median over the floor's and against its goal.
The disk the workspaces are on is printed (the run's per-step cost depends on
it). Run::

    uv run python benchmarks/cli_startup.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import chain_source, filesystem, interleaved, spread, table, timed_process

ROOT = Path(__file__).resolve().parents[1]
GOALS = {
    "python -m axl.runtime --help": 0.070,
    "axl --help": 0.120,
    "axl validate (quickstart)": 0.200,
    "axl run local (100-step chain)": 0.350,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()

    python = sys.executable
    axl = [python, "-m", "axl"]
    with tempfile.TemporaryDirectory(prefix="axl-startup-") as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text('[project]\nname = "startup"\nversion = "0"\n')
        (project / "chain.py").write_text(chain_source(args.steps, name="Chain"))
        (project / "quickstart.py").write_text((ROOT / "examples" / "quickstart.py").read_text())
        # What `make setup` (uv sync --compile-bytecode) and an install do; a no-op when done.
        compileall.compile_dir(sysconfig.get_paths()["purelib"], quiet=1)
        compileall.compile_dir(ROOT / "axl", quiet=1)
        compileall.compile_dir(project, quiet=1, maxlevels=0)
        workspaces = iter(range(10**6))

        def run_chain() -> float:  # a new workspace each time: a first run, not a rerun
            workspace = project / f"ws-{next(workspaces)}"
            command = [*axl, "run", "local", "-m", "chain.py:Chain", "--workspace", str(workspace)]
            start = time.perf_counter()
            subprocess.run(command, cwd=project, check=True, capture_output=True)
            return time.perf_counter() - start

        sides: dict[str, Callable[[], float]] = {
            "python -c pass (floor)": timed_process([python, "-c", "pass"], project),
            'python -c "import axl"': timed_process([python, "-c", "import axl"], project),
            "python -m axl.runtime --help": timed_process(
                [python, "-m", "axl.runtime", "--help"], project
            ),
            "axl --help": timed_process([*axl, "--help"], project),
            "axl validate (quickstart)": timed_process(
                [*axl, "validate", "-m", "quickstart.py"], project
            ),
            f"axl run local ({args.steps}-step chain)": run_chain,
        }
        _, timed = interleaved(sides, args.repeats)

    floor = statistics.median(timed["python -c pass (floor)"])
    rows = []
    for side, seconds in timed.items():
        median = statistics.median(seconds)
        goal = GOALS.get(side)
        verdict = "" if goal is None else f"{'met' if median <= goal else 'NOT met'} ({goal:.3f})"
        rows.append([side, spread(seconds), f"{median / floor:.1f}x", verdict])
    print(
        f"whole processes, bytecode compiled; {args.repeats} interleaved rounds after one untimed "
        f"warm round; workspaces on {filesystem(Path(tempfile.gettempdir()))}"
    )
    print(table(["process", "wall s min / median / max", "vs floor", "goal (median)"], rows))


if __name__ == "__main__":
    main()
