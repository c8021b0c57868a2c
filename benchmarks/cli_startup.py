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
it). ``--against DIR`` also runs every axl side with the axl of another
checkout (``DIR/axl``, e.g. a ``git worktree`` of the last release), interleaved
in the same rounds, and prints each median beside this checkout's: a fair
comparison on a machine whose speed drifts. Run::

    uv run python benchmarks/cli_startup.py [--repeats 9] [--against DIR]
"""

from __future__ import annotations

import argparse
import compileall
import itertools
import os
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
AGAINST = "[against]"
GOALS = {
    "python -m axl.runtime --help": 0.070,
    "axl --help": 0.120,
    "axl validate (quickstart)": 0.200,
    "axl run local (100-step chain)": 0.350,
}


def axl_sides(project: Path, steps: int, root: Path) -> dict[str, Callable[[], float]]:
    """Every side that runs axl, with the ``axl`` package of the checkout ``root``."""
    python = sys.executable
    axl = [python, "-m", "axl"]
    env = {**os.environ, "PYTHONPATH": str(root)}
    compileall.compile_dir(root / "axl", quiet=1)
    workspaces = itertools.count()

    def run_chain() -> float:  # a new workspace each time: a first run, not a rerun
        workspace = project / f"ws-{root.name}-{next(workspaces)}"
        command = [*axl, "run", "local", "-m", "chain.py:Chain", "--workspace", str(workspace)]
        start = time.perf_counter()
        subprocess.run(command, cwd=project, check=True, capture_output=True, env=env)
        return time.perf_counter() - start

    return {
        'python -c "import axl"': timed_process([python, "-c", "import axl"], project, env),
        "python -m axl.runtime --help": timed_process(
            [python, "-m", "axl.runtime", "--help"], project, env
        ),
        "axl --help": timed_process([*axl, "--help"], project, env),
        "axl validate (quickstart)": timed_process(
            [*axl, "validate", "-m", "quickstart.py"], project, env
        ),
        f"axl run local ({steps}-step chain)": run_chain,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--against", type=Path, metavar="DIR", help="another checkout's root")
    args = parser.parse_args()
    if args.against is not None and not (args.against / "axl" / "__init__.py").is_file():
        parser.error(f"--against {args.against}: no axl/__init__.py there")

    with tempfile.TemporaryDirectory(prefix="axl-startup-") as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text('[project]\nname = "startup"\nversion = "0"\n')
        (project / "chain.py").write_text(chain_source(args.steps, name="Chain"))
        (project / "quickstart.py").write_text((ROOT / "examples" / "quickstart.py").read_text())
        # What `make setup` (uv sync --compile-bytecode) and an install do; a no-op when done.
        compileall.compile_dir(sysconfig.get_paths()["purelib"], quiet=1)
        compileall.compile_dir(project, quiet=1, maxlevels=0)
        sides: dict[str, Callable[[], float]] = {
            "python -c pass (floor)": timed_process([sys.executable, "-c", "pass"], project),
            **axl_sides(project, args.steps, ROOT),
        }
        if args.against is not None:
            against = axl_sides(project, args.steps, args.against.resolve())
            sides.update({f"{side} {AGAINST}": run for side, run in against.items()})
        _, timed = interleaved(sides, args.repeats)

    floor = statistics.median(timed["python -c pass (floor)"])
    rows = []
    for side, seconds in timed.items():
        if side.endswith(AGAINST):
            continue
        median = statistics.median(seconds)
        goal = GOALS.get(side)
        verdict = "" if goal is None else f"{'met' if median <= goal else 'NOT met'} ({goal:.3f})"
        rows.append([side, spread(seconds), f"{median / floor:.1f}x", verdict])
    print(
        f"whole processes, bytecode compiled; {args.repeats} interleaved rounds after one untimed "
        f"warm round; workspaces on {filesystem(Path(tempfile.gettempdir()))}"
    )
    print(table(["process", "wall s min / median / max", "vs floor", "goal (median)"], rows))
    if args.against is not None:
        print(f"\nthis checkout against {args.against}, the same rounds (wall s)")
        compared = []
        for side, seconds in timed.items():
            if not side.endswith(AGAINST):
                continue
            mine = timed[side.removesuffix(f" {AGAINST}")]
            ratio = statistics.median(mine) / statistics.median(seconds)
            compared.append([side.removesuffix(f" {AGAINST}"), spread(seconds), spread(mine),
                             f"{ratio:.2f}x"])  # fmt: skip
        print(table(["process", "--against", "this checkout", "this / against"], compared))


if __name__ == "__main__":
    main()
