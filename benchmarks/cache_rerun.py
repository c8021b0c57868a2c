"""What an unchanged rerun costs when every step is a cache hit.

The workload: a 100-step chain of trivial ``cache=True`` steps, written to a
temporary folder as a project (``pyproject.toml`` and ``flow.py``); a first
``axl run local`` fills the cache, untimed.

(a) As a whole process: ``axl run local`` of the unchanged project (every step
    a hit) beside ``axl validate`` of the same workflow, the floor; ``python -c
    pass`` is shown for scale. Goal: the rerun at most 1.5x validate.
(b) In one process, per step: ``run_local`` of the same workflow again (its
    first run filled the cache), and the runner's hit path alone
    (:func:`axl.runtime.runner.run_step` on each step's manifest of a new run
    folder: key, lookup, copy, digest check, rename, sidecar), beside a floor
    of pickling each value to a file and reading it back. Goal: a hit under 1 ms.

Every side gets one untimed warm run, then ``--repeats`` rounds in turn
(interleaved, so a drift in the machine's speed falls on all alike); each
figure is min / median / max, ratios are of medians, and the whole-process
ratio is also given pair by pair. Run::

    uv run python benchmarks/cache_rerun.py [--repeats 7] [--steps 100]
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import chain_source, interleaved, spread, table, timed_process

GOAL_PROCESS = 1.5
GOAL_HIT_MS = 1.0


def workflow_source(n: int) -> str:
    """A module with a chain of ``n`` trivial cached steps."""
    return chain_source(n, decorator="@step(cache=True)")


def make_project(root: Path, n: int) -> Path:
    """The project folder: ``pyproject.toml`` and ``flow.py``."""
    project = root / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "0"\n')
    (project / "flow.py").write_text(workflow_source(n))
    return project


def axl(*args: str) -> list[str]:
    return [sys.executable, "-m", "axl", *args]


def check_all_hits(project: Path, workspace: Path, n: int) -> None:
    done = subprocess.run(
        axl("run", "local", "-m", "flow.py:Bench", "--workspace", str(workspace), "--json"),
        cwd=project, check=True, capture_output=True, text=True,
    )  # fmt: skip
    statuses = [step["status"] for step in json.loads(done.stdout)["steps"].values()]
    assert statuses == ["cached"] * n, statuses


def whole_process(project: Path, n: int, repeats: int) -> list[list[str]]:
    workspace = project / ".axl"
    run = axl("run", "local", "-m", "flow.py:Bench", "--workspace", str(workspace))
    subprocess.run(run, cwd=project, check=True, capture_output=True)  # fills the cache
    check_all_hits(project, workspace, n)
    sides = {
        "axl validate (floor)": timed_process(axl("validate", "-m", "flow.py:Bench"), project),
        "axl run local, all hits": timed_process(run, project),
        "python -c pass": timed_process([sys.executable, "-c", "pass"], project),
    }
    _, timed = interleaved(sides, repeats)
    floor = timed["axl validate (floor)"]
    rows = []
    for side, seconds in timed.items():
        ratio = statistics.median(seconds) / statistics.median(floor)
        rows.append([side, spread(seconds), f"{ratio:.2f}x"])
    pairs = [a / b for a, b in zip(timed["axl run local, all hits"], floor, strict=True)]
    rows.append(["rerun / validate, pair by pair", spread(pairs).replace(" / ", "x / ") + "x", ""])
    return rows


def in_process(project: Path, n: int, repeats: int) -> list[list[str]]:
    from axl.dsl.loader import load_target
    from axl.ir import build_ir
    from axl.runtime.api import run_local
    from axl.runtime.local_options import LocalOptions
    from axl.runtime.local_plan import local_manifests
    from axl.runtime.runner import run_step

    target = f"{project / 'flow.py'}:Bench"
    workspace = project / ".axl-in-process"
    assert run_local(target, workspace=workspace).ok  # fills the cache
    ir = build_ir(load_target(target).cls)
    order = ir.topological_order()
    runs = iter(range(10**6))

    def rerun() -> float:
        start = time.perf_counter()
        result = run_local(target, workspace=workspace)
        seconds = time.perf_counter() - start
        assert result.ok
        assert all(s.status == "cached" for s in result.record.steps.values())
        return seconds * 1000 / n

    def hit_path() -> float:
        run_id = f"hits-{next(runs)}"
        run_dir = workspace / "runs" / run_id
        manifests = local_manifests(ir, {}, run_dir, run_id, LocalOptions(workspace=workspace))
        for name in order:  # the engine makes each step's folder before it starts the step
            (run_dir / name).mkdir(parents=True)
        start = time.perf_counter()
        for name in order:
            assert run_step(manifests[name], durable=False).hit
        return (time.perf_counter() - start) * 1000 / n

    def floor() -> float:
        folder = Path(tempfile.mkdtemp(dir=project.parent))  # not in the code
        start = time.perf_counter()
        value = 0
        for i in range(n):
            path = folder / f"s{i}.pkl"
            path.write_bytes(pickle.dumps(value + 1, protocol=pickle.HIGHEST_PROTOCOL))
            value = pickle.loads(path.read_bytes())
        return (time.perf_counter() - start) * 1000 / n

    sides = {
        "floor: pickle to a file and back": floor,
        "runner hit path alone": hit_path,
        "run_local rerun, all hits": rerun,
    }
    _, timed = interleaved(sides, repeats)
    base = statistics.median(timed["floor: pickle to a file and back"])
    return [
        [side, spread(ms), f"{statistics.median(ms) / base:.1f}x"] for side, ms in timed.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp), args.steps)
        rows = whole_process(project, args.steps, args.repeats)
        print(f"(a) {args.steps}-step chain, every step a hit, as a process (s); "
              f"{args.repeats} interleaved rounds after one untimed warm run each")  # fmt: skip
        print(table(["process", "min / median / max", "vs validate"], rows))
        print(f"goal: the rerun at most {GOAL_PROCESS}x axl validate\n")
        rows = in_process(project, args.steps, args.repeats)
        print(f"(b) per step, in one process (ms); {args.repeats} interleaved rounds "
              "after one untimed warm run each")  # fmt: skip
        print(table(["per step", "min / median / max", "vs floor"], rows))
        print(f"goal: a hit under {GOAL_HIT_MS} ms a step")


if __name__ == "__main__":
    main()
