"""What an unchanged rerun costs when every step is a cache hit.

The workload: a 100-step chain of trivial ``cache=True`` steps, written to a
temporary folder as a project (``pyproject.toml`` and ``flow.py``); a first
``axl run local`` fills the cache, untimed.

(a) As a whole process: ``axl run local`` of the unchanged project (every step
    a hit) beside ``axl validate`` of the same workflow, the floor; ``python -c
    pass`` is shown for scale. Goal: the rerun at most 1.5x validate. A rerun
    writes a run folder, which validate does not: the disk floor (every hit's
    folders and files, made by a plain loop in this process: a step folder, the
    entry read, the output copied and its sidecar written through temporary
    files renamed into place, a line appended to the hit record) shows what the
    disk cost in the same rounds, and the ratio is given without it too.
(b) In one process, per step: ``run_local`` of the same workflow again (its
    first run filled the cache), and the runner's hit path alone
    (:func:`axl.runtime.runner.run_step` on each step's manifest of a new run
    folder: key, lookup, copy, digest check, rename, sidecar), beside a floor
    of pickling each value to a file and reading it back. Goal: a hit under 1 ms.

Every side gets one untimed warm run, then ``--repeats`` rounds in turn
(interleaved, so a drift in the machine's speed falls on all alike); each
figure is min / median / max, ratios are of medians, and the whole-process
ratio is also given pair by pair. Run::

    uv run python benchmarks/cache_rerun.py [--repeats 7] [--steps 100] [--against DIR]

``--against DIR`` times (a) with the axl of another checkout too (``DIR/axl``,
e.g. a ``git worktree`` of the last release), interleaved in the same rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import chain_source, interleaved, spread, table, timed_process

GOAL_PROCESS = 1.5
VALIDATE, RERUN, DISK = "axl validate (floor)", "axl run local, all hits", "disk floor"
AGAINST = "[against]"
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


def check_all_hits(
    project: Path, workspace: Path, n: int, env: dict[str, str] | None = None
) -> None:
    done = subprocess.run(
        axl("run", "local", "-m", "flow.py:Bench", "--workspace", str(workspace), "--json"),
        cwd=project, check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    statuses = [step["status"] for step in json.loads(done.stdout)["steps"].values()]
    assert statuses == ["cached"] * n, statuses


def disk_floor(n: int, scratch: Path) -> Callable[[], float]:
    """Seconds for the folders and files of ``n`` hits, made by a plain loop: per step a
    folder, the entry read, the output copied and a sidecar written (each through a
    temporary file renamed into place), a line appended to the entry's hit record."""
    entries = scratch / "entries"
    for i in range(n):
        entry = entries / f"e{i}"
        entry.mkdir(parents=True)
        (entry / "entry.json").write_text(json.dumps({"key": "k" * 64, "outputs": [{}] * 8}))
        (entry / "output.pkl").write_bytes(pickle.dumps(i))
    runs = iter(range(10**6))

    def run() -> float:
        run_dir = scratch / f"run-{next(runs)}"
        start = time.perf_counter()
        run_dir.mkdir()
        for i in range(n):
            entry, step_dir = entries / f"e{i}", run_dir / f"s{i}"
            step_dir.mkdir()
            json.loads((entry / "entry.json").read_bytes())
            for name, data in (
                ("output.pkl", (entry / "output.pkl").read_bytes()),
                ("output.meta.json", b"{}" * 150),
            ):
                temp = step_dir / f".{name}.tmp"
                temp.write_bytes(data)
                os.replace(temp, step_dir / name)
            with open(entry / ".hits", "ab") as hits:
                hits.write(b"0" * 21)
        return time.perf_counter() - start

    return run


def axl_sides(project: Path, n: int, workspace: Path, tag: str = "",
              env: dict[str, str] | None = None) -> dict[str, Callable[[], float]]:  # fmt: skip
    """``axl validate`` and the all-hits rerun, after a first run fills the cache."""
    run = axl("run", "local", "-m", "flow.py:Bench", "--workspace", str(workspace))
    subprocess.run(run, cwd=project, check=True, capture_output=True, env=env)
    check_all_hits(project, workspace, n, env)
    return {
        VALIDATE + tag: timed_process(axl("validate", "-m", "flow.py:Bench"), project, env),
        RERUN + tag: timed_process(run, project, env),
    }


def ratio_rows(timed: dict[str, list[float]], tag: str = "") -> list[list[str]]:
    floor = timed[VALIDATE + tag]
    pairs = [a / b for a, b in zip(timed[RERUN + tag], floor, strict=True)]
    rows = [[f"rerun / validate{tag}, pair by pair", _ratios(pairs), ""]]
    if not tag:
        bare = [(a - d) / b for a, d, b in zip(timed[RERUN], timed[DISK], floor, strict=True)]
        rows.append(["(rerun - disk floor) / validate, pair by pair", _ratios(bare), ""])
    return rows


def _ratios(values: list[float]) -> str:
    return spread(values).replace(" / ", "x / ") + "x"


def whole_process(project: Path, n: int, repeats: int, scratch: Path,
                  against: Path | None) -> list[list[str]]:  # fmt: skip
    sides = {
        **axl_sides(project, n, project / ".axl"),
        "python -c pass": timed_process([sys.executable, "-c", "pass"], project),
        DISK: disk_floor(n, scratch),
    }
    if against is not None:  # its workspace outside the project: its code may count one in
        env = {**os.environ, "PYTHONPATH": str(against)}
        sides.update(axl_sides(project, n, scratch / "against-ws", f" {AGAINST}", env))
    _, timed = interleaved(sides, repeats)
    floor = timed[VALIDATE]
    rows = []
    for side, seconds in timed.items():
        base = timed[f"{VALIDATE} {AGAINST}"] if side.endswith(AGAINST) else floor
        ratio = statistics.median(seconds) / statistics.median(base)
        label = f"{side}: {n} hits' folders and files, in process" if side == DISK else side
        rows.append([label, spread(seconds), f"{ratio:.2f}x"])
    rows += ratio_rows(timed)
    if against is not None:
        rows += ratio_rows(timed, f" {AGAINST}")
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
    parser.add_argument("--against", type=Path, metavar="DIR",
                        help="also time (a) with the axl of another checkout")  # fmt: skip
    args = parser.parse_args()
    if args.against is not None and not (args.against / "axl" / "__init__.py").is_file():
        parser.error(f"--against {args.against}: no axl/__init__.py there")
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp), args.steps)
        scratch = Path(tmp) / "scratch"  # beside the project, not in its code
        scratch.mkdir()
        against = args.against.resolve() if args.against is not None else None
        rows = whole_process(project, args.steps, args.repeats, scratch, against)
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
