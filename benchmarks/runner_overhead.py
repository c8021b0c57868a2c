"""Per-step overhead of the local engine, beside a floor and peers, and the runner's cold start.

Workloads: a 200-step chain and a 200-wide fan-out (one source, 200 readers,
one sink) of trivial steps. Printed per step, min / median / max of the same
number of runs for every side, each side warm (one untimed run first, in this
process) and the sides interleaved run by run:

* floor: a plain Python loop that pickles each result to a file and loads it back;
* floor (a step's files): the folder and files an axl step makes (a log, the
  value and its sidecar through temporary files renamed into place) and the
  value read back, without a step or a process: what the disk alone costs a
  step at the moment of the run (folder and file creation on this VM's disk
  moves between 50 and 600 µs from minute to minute);
* axl: ``axl.run_local`` with ``isolation="worker"`` (the default: long-lived
  forked workers) and ``"fork"`` (a fresh forked process per step), each step's
  artifact and sidecar written atomically and its input's digest checked;
* Kedro's ``SequentialRunner`` and Dagster's ``execute_in_process`` on the same DAG,
  when installed (the ``bench`` dependency group).

Wall time, and CPU time (user + system of this process and of the step
processes it waited for), which a machine shared with other work disturbs
less. Everything runs in a folder on the disk of ``--dir`` (default: the
current folder), whose filesystem is printed: file and folder creation cost
differs a lot between disks and tmpfs.

Then ``axl run local`` of a 100-step chain as a whole process, and the
runner's cold start (``python -m axl.runtime --help``), beside ``python -c pass``. Run::

    uv run python benchmarks/runner_overhead.py [--dir FOLDER] [--runs N]
    # with peers: UV_PROJECT_ENVIRONMENT=/tmp/benchvenv uv sync --group bench && \\
    #             UV_PROJECT_ENVIRONMENT=/tmp/benchvenv uv run python benchmarks/runner_overhead.py
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import chain_source, filesystem, table

N = 200
PROCESS_STEPS = 100


def workflow_source(shape: str, n: int = N) -> str:
    """A module with a generated chain or fan-out workflow of trivial steps."""
    if shape == "chain":
        return chain_source(n)
    lines = ["from axl import Workflow, step", "", "", "class Bench(Workflow):"]
    lines += ["    @step", "    def source(self) -> int:", "        return 1", ""]
    for i in range(n):
        lines += [
            "    @step",
            f"    def w{i}(self, source: int) -> int:",
            "        return source",
            "",
        ]
    args = ", ".join(f"w{i}: int" for i in range(n))
    total = " + ".join(f"w{i}" for i in range(n))
    lines += ["    @step", f"    def sink(self, {args}) -> int:", f"        return {total}"]
    return "\n".join(lines) + "\n"


def floor(shape: str, folder: Path) -> float:
    """Seconds for the plain loop: pickle each result to a file and load it back."""
    start = time.perf_counter()
    if shape == "chain":
        value = 0
        for i in range(N):
            path = folder / f"s{i}.pkl"
            path.write_bytes(pickle.dumps(value + 1, protocol=pickle.HIGHEST_PROTOCOL))
            value = pickle.loads(path.read_bytes())
    else:
        (folder / "source.pkl").write_bytes(pickle.dumps(1))
        values = []
        for i in range(N):
            source = pickle.loads((folder / "source.pkl").read_bytes())
            (folder / f"w{i}.pkl").write_bytes(pickle.dumps(source))
            values.append(pickle.loads((folder / f"w{i}.pkl").read_bytes()))
        (folder / "sink.pkl").write_bytes(pickle.dumps(sum(values)))
    return time.perf_counter() - start


def run_axl(module_dir: Path, workspace: Path, isolation: str) -> None:
    """A whole ``run_local`` of the generated workflow, in a fresh workspace."""
    from axl.runtime.api import run_local

    result = run_local(
        f"{module_dir / 'bench_wf.py'}:Bench",
        workspace=workspace,
        max_parallel=2,
        isolation=isolation,
        durable=False,
    )
    assert result.ok, result.failed_steps()


def kedro_runner(shape: str) -> Callable[[], None] | None:
    """A run of the DAG with Kedro's ``SequentialRunner`` (nodes built once, outside)."""
    try:
        from kedro.io import DataCatalog
        from kedro.pipeline import node, pipeline
        from kedro.runner import SequentialRunner
    except ImportError:
        return None
    logging.getLogger("kedro").setLevel(logging.WARNING)  # a line per node otherwise
    if shape == "chain":
        nodes = [node(lambda: 0, inputs=None, outputs="s0", name="s0")]
        nodes += [
            node(lambda x: x + 1, inputs=f"s{i - 1}", outputs=f"s{i}", name=f"s{i}")
            for i in range(1, N)
        ]
    else:
        nodes = [node(lambda: 1, inputs=None, outputs="source", name="source")]
        nodes += [
            node(lambda x: x, inputs="source", outputs=f"w{i}", name=f"w{i}") for i in range(N)
        ]
        nodes += [node(lambda *xs: sum(xs), inputs=[f"w{i}" for i in range(N)], outputs="sink")]

    def run() -> None:
        SequentialRunner().run(pipeline(nodes), DataCatalog())

    return run


def dagster_runner(shape: str) -> Callable[[], None] | None:
    """A run of the DAG with Dagster's ``execute_in_process`` (the job defined once, outside)."""
    try:
        from dagster import In, job, op
    except ImportError:
        return None

    def make(name: str, ins: list[str], fn: Callable[..., Any]) -> Any:
        return op(name=name, ins={i: In(int) for i in ins})(fn)

    if shape == "chain":
        first = make("s0", [], lambda: 0)
        rest = [make(f"s{i}", ["x"], lambda x: x + 1) for i in range(1, N)]

        @job
        def bench() -> None:
            value = first()
            for each in rest:
                value = each(value)
    else:
        source = make("source", [], lambda: 1)
        workers = [make(f"w{i}", ["x"], lambda x: x) for i in range(N)]
        names = [f"v{i}" for i in range(N)]
        sink = op(name="sink", ins={n: In(int) for n in names})(lambda **kw: sum(kw.values()))

        @job
        def bench() -> None:
            s = source()
            sink(**{names[i]: w(s) for i, w in enumerate(workers)})

    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

    def run() -> None:
        assert bench.execute_in_process(run_config=quiet).success

    return run


def timed(fn: Callable[[], None]) -> tuple[float, float]:
    """Wall and CPU seconds of one call (CPU: this process and the children it waited for)."""
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
    return wall, cpu


SIDES = (
    "floor (pickle loop)",
    "floor (a step's files, no process)",
    "axl run_local, isolation=worker",
    "axl run_local, isolation=fork",
    "kedro SequentialRunner",
    "dagster execute_in_process",
)


def files_floor(shape: str, folder: Path, run: int) -> float:
    """Seconds for the files an axl step makes, without a step or a process: per step a
    folder, a log line, the pickled value and a sidecar (each through a temporary file
    renamed into place), then the value read back. What the disk alone costs a step."""
    steps = N + (2 if shape == "fan-out" else 0)
    run_dir = folder / f"files-{run}"
    start = time.perf_counter()
    run_dir.mkdir()
    for i in range(steps):
        step_dir = run_dir / f"s{i}"
        step_dir.mkdir()
        (step_dir / "step.log").write_text('{"event": "started"}\n')
        for name, data in (("output.pkl", pickle.dumps(i)), ("output.meta.json", b"{}")):
            temp = step_dir / f".{name}.tmp"
            temp.write_bytes(data)
            os.replace(temp, step_dir / name)
        pickle.loads((step_dir / "output.pkl").read_bytes())
    return time.perf_counter() - start


def side_runner(side: str, shape: str, folder: Path) -> Callable[[], None] | None:
    """One run of ``side`` on ``shape`` (None: the peer is not installed)."""
    if side.startswith("floor (a step"):
        runs = itertools.count()

        def files() -> None:
            files_floor(shape, folder, next(runs))

        return files
    if side.startswith("floor"):

        def loop() -> None:
            floor(shape, folder)

        return loop
    if side.startswith("axl"):
        isolation = side.rpartition("=")[2]
        fresh = itertools.count()
        return lambda: run_axl(folder, folder / f"ws-{isolation}-{next(fresh)}", isolation)
    return kedro_runner(shape) if side.startswith("kedro") else dagster_runner(shape)


def serve_side(side: str, shape: str, folder: Path) -> None:
    """A side's own process: a warm run, then one timed run per line on stdin.

    Each side has a process of its own, so no side pays for another's imports
    (a forked axl step process copies whatever its engine process holds).
    """
    channel = os.fdopen(os.dup(1), "w")  # the answers; whatever a side prints goes to stderr
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    run = side_runner(side, shape, folder)
    if run is None:
        print("missing", file=channel, flush=True)
        return
    run()
    print("ready", file=channel, flush=True)
    for _ in sys.stdin:
        wall, cpu = timed(run)
        print(f"{wall} {cpu}", file=channel, flush=True)


Timings = dict[str, list[tuple[float, float]]]
"""Each side's (wall, cpu) seconds, run by run."""


def measure(shape: str, folder: Path, runs: int) -> tuple[Timings, list[str]]:
    """Every side warm in its own process, then ``runs`` rounds of each side in turn;
    and the sides that are not installed."""
    command = [sys.executable, __file__, "--shape", shape, "--folder", str(folder), "--side"]
    procs = {}
    missing = []
    for side in SIDES:
        proc = subprocess.Popen(
            [*command, side], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        if proc.stdout.readline().strip() == "ready":
            procs[side] = proc
        else:
            missing.append(side)
            proc.wait()
    results: Timings = {side: [] for side in procs}
    for _ in range(runs):
        for side, proc in procs.items():
            assert proc.stdin is not None
            assert proc.stdout is not None
            proc.stdin.write("run\n")
            proc.stdin.flush()
            wall, cpu = proc.stdout.readline().split()
            results[side].append((float(wall), float(cpu)))
    for proc in procs.values():
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()
    return results, missing


def per_step(seconds: list[float], steps: int) -> str:
    values = sorted(s / steps * 1000 for s in seconds)
    return f"{values[0]:.2f} / {statistics.median(values):.2f} / {values[-1]:.2f} ms"


def cold_start(command: list[str], runs: int) -> list[float]:
    """Wall seconds of ``runs`` whole processes (after one untimed run)."""
    subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def spread_ms(seconds: list[float]) -> str:
    values = sorted(s * 1000 for s in seconds)
    return f"{values[0]:.0f} / {statistics.median(values):.0f} / {values[-1]:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("."), help="where the runs write")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each side")
    parser.add_argument("--side", help=argparse.SUPPRESS)  # a side's own process
    parser.add_argument("--shape", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        serve_side(args.side, args.shape, args.folder)
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"workspace filesystem: {filesystem(args.dir)}; {os.cpu_count()} cores; "
          f"{args.runs} timed runs a side, each side warm in its own process, "
          "interleaved run by run")  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix=".bench-runner-", dir=args.dir) as tmp:
        root = Path(tmp)
        for shape in ("chain", "fan-out"):
            folder = root / shape
            folder.mkdir()
            (folder / "bench_wf.py").write_text(workflow_source(shape))
            steps = N + (2 if shape == "fan-out" else 0)
            results, missing = measure(shape, folder, args.runs)
            base = statistics.median(w for w, _ in results["floor (pickle loop)"])
            for label, timings in results.items():
                walls = [w for w, _ in timings]
                cpus = [c for _, c in timings]
                rows.append(
                    [
                        f"{shape}: {label}",
                        per_step(walls, steps),
                        per_step(cpus, steps),
                        f"{statistics.median(walls) / base:.0f}x",
                    ]
                )
            rows += [[f"{shape}: {label}", "not installed", "", ""] for label in missing]
        print(table(["per step", "wall min / median / max", "cpu min / median / max",
                     "vs floor (median wall)"], rows))  # fmt: skip
        print()
        process_dir = root / "process"
        process_dir.mkdir()
        (process_dir / "bench_wf.py").write_text(workflow_source("chain", PROCESS_STEPS))
        workspaces = itertools.count()
        run_command = [sys.executable, "-m", "axl", "run", "local", "-m",
                       f"{process_dir / 'bench_wf.py'}:Bench"]  # fmt: skip
        process: list[float] = []
        bare: list[float] = []
        runner: list[float] = []
        for _ in range(args.runs):
            ws = ["--workspace", str(root / f"ws-process-{next(workspaces)}")]
            process += cold_start([*run_command, *ws], 1)
            bare += cold_start([sys.executable, "-c", "pass"], 1)
            runner += cold_start([sys.executable, "-m", "axl.runtime", "--help"], 1)
        pass_median = statistics.median(bare)
        print(
            table(
                ["as a process", "min / median / max", "vs python -c pass (median)"],
                [
                    [
                        f"axl run local, {PROCESS_STEPS}-step chain",
                        spread_ms(process),
                        f"{statistics.median(process) / pass_median:.0f}x",
                    ],
                    [
                        "python -m axl.runtime --help",
                        spread_ms(runner),
                        f"{statistics.median(runner) / pass_median:.1f}x",
                    ],
                    ["python -c pass", spread_ms(bare), "1.0x"],
                ],
            )
        )
    print(
        textwrap.dedent("""
        Artifacts are written atomically without fsync (the local default; --fsync adds
        an fsync of the data, sidecar and folder per artifact). Goals: worker isolation
        <= 1.0 ms a step in the chain and <= 1.5 ms in the fan-out on a disk, fork
        isolation <= 3 ms; axl run local of the 100-step chain <= 0.35 s as a process.""").strip()
    )


if __name__ == "__main__":
    main()
