"""Per-step overhead of axl's Dagster job beside ``axl run local`` and a native Dagster job.

Workloads: the 200-step chain and the 200-wide fan-out (one source, 200
readers, one sink) of trivial steps of ``benchmarks/runner_overhead.py``.
Each is run, in the same process and interleaved (one side after the other,
round after round, after one untimed warm run of each side), by:

* **axl run local**: ``axl.run_local`` as ``runner_overhead.py`` times it
  (worker isolation, 2 steps at once, artifacts without fsync);
* **generated job**: the module ``axl compile --target dagster`` writes,
  imported, its job run with ``execute_in_process`` (Dagster's in-process
  executor: one op after the other; each op runs its step with axl's
  runner, as a pod would, and writes the run folder);
* **in-memory job**: ``axl.compiler.dagster.to_job(Bench)``, run the same way;
* **native Dagster**: the same DAG of trivial ``@op`` functions, made by an
  op factory and wired in a ``@job`` as Dagster's docs write them, run with
  ``execute_in_process`` (its outputs kept by Dagster's default in-memory IO
  manager of ``execute_in_process``).

Both Dagster-run sides log as Dagster does by default (the generated job's
run config is the workflow's params, so it takes no ``loggers`` config):
standard error is sent to ``/dev/null`` during every run of every side.
Per step is the wall time of a whole run divided by its steps (200 or 202);
"over native" is what a step costs beyond the native job's step.

Then the time to build the definitions of a 2,000-step job, a chain and the
layered DAG of ``benchmarks/argo_compile.py`` (50 steps a layer, each reading 2
of the layer before): importing the generated module (its ops and job are
built as it runs) and resolving the job from ``defs``; the same through
``axl.compiler.dagster.definitions`` (IR, the compile's plan, and the
module's job built as Dagster objects, without its source); and the native
Dagster job of the same DAG built and resolved, warm in this process (Dagster
imported), interleaved, min / median / max; and, for
the chain, the generated module once in a fresh process beside
``python -c "import dagster"``. Run::

    uv run python benchmarks/dagster_overhead.py
    uv run python benchmarks/dagster_overhead.py --definitions   # the build only

Goal: building the definitions of a 2,000-step job under 2 s.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import interleaved, spread, table
from runner_overhead import N, run_axl, workflow_source

REPEATS = 3
"""Timed runs of each side of each workload (after one untimed warm run)."""
DEFINITIONS_STEPS = 2_000
DEFINITIONS_REPEATS = 5
SIDES = ("axl run local", "generated job", "in-memory job", "native Dagster")
_modules = itertools.count()


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """File descriptor 2 to /dev/null (Dagster's console log, the runners' own output)."""
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def steps_of(shape: str, n: int = N) -> int:
    return n + (2 if shape == "fan-out" else 0)


def load_module(path: Path) -> ModuleType:
    """Import the file at ``path`` as a new module (a fresh name each time)."""
    spec = importlib.util.spec_from_file_location(f"axl_bench_job_{next(_modules)}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compile_module(target: str, out: Path, workspace: Path) -> Path:
    """``axl compile -m TARGET --target dagster --out OUT --workspace WS --python-path DIR``.

    ``--python-path`` is the workflow file's folder: this process, whose
    working directory is elsewhere, runs the job (the runner imports the
    workflow from there).
    """
    command = [sys.executable, "-m", "axl", "compile", "-m", target, "--target", "dagster"]
    command += ["--out", str(out), "--workspace", str(workspace)]
    command += ["--python-path", str(Path(target.rpartition(":")[0]).parent)]
    subprocess.run(command, check=True, capture_output=True, cwd=out.parent)
    return out


def the_job(defs: Any) -> Any:
    """The one job of a ``Definitions``, resolved (resources bound, graph validated)."""
    (job,) = defs.jobs
    return defs.resolve_job_def(job.name)


def workflow_upstream(target: str) -> dict[str, list[str]]:
    """Each step of the workflow at ``target`` and the steps it reads, in definition order."""
    from axl.dsl.loader import load_target
    from axl.ir import build_ir

    ir = build_ir(load_target(target).cls)
    _, upstream = ir.lookups()
    return {node.name: list(upstream[node.name]) for node in ir.nodes}


def native_job(name: str, upstream: dict[str, list[str]]) -> Any:
    """The same DAG as a Dagster user writes it: an op factory, the ops wired in a ``@job``.

    Each op adds up its inputs (1 without inputs), passed by Dagster in memory.
    A chain deeper than about 900 ops needs a higher recursion limit
    (Dagster orders the graph recursively), as the generated module sets.
    """
    import dagster as dg

    def make_op(op_name: str, inputs: list[str]) -> Any:
        @dg.op(name=op_name, ins={i: dg.In(int) for i in inputs}, out=dg.Out(int))
        def add(**values: int) -> int:
            return sum(values.values()) if values else 1

        return add

    ops = {step: make_op(step, ups) for step, ups in upstream.items()}
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 2 * len(upstream) + 1000))

    @dg.job(name=name)
    def native() -> None:
        results: dict[str, Any] = {}
        for step, ups in upstream.items():
            results[step] = ops[step](**{up: results[up] for up in ups})

    return native


def timed_execute(job: Any, run_config: dict[str, Any] | None = None) -> float:
    """Wall seconds of ``job.execute_in_process`` (success asserted)."""
    gc.collect()
    with quiet_stderr():
        start = time.perf_counter()
        result = job.execute_in_process(run_config=run_config)
        seconds = time.perf_counter() - start
    assert result.success, f"{job.name} failed"
    return seconds


def timed_local(folder: Path, root: Path, counter: Iterator[int]) -> float:
    gc.collect()
    with quiet_stderr():
        seconds, _ = run_axl(folder, root / f"ws-local-{next(counter)}", "worker")
    return seconds


def execution(root: Path) -> dict[str, dict[str, list[float]]]:
    """Each workload's timed runs of every side (seconds), and the warm runs' (printed)."""
    from axl.compiler.dagster import to_job
    from axl.dsl.loader import load_target

    found = {}
    counter = itertools.count()
    for shape in ("chain", "fan-out"):
        folder = root / shape
        folder.mkdir()
        (folder / "bench_wf.py").write_text(workflow_source(shape), encoding="utf-8")
        target = f"{folder / 'bench_wf.py'}:Bench"
        module = compile_module(target, folder / "dagster_job.py", folder / "ws-generated")
        generated = the_job(load_module(module).defs)
        in_memory = to_job(load_target(target).cls, workspace=folder / "ws-in-memory")
        native = native_job("bench", workflow_upstream(target))
        runners: dict[str, Callable[[], float]] = {
            "axl run local": lambda folder=folder: timed_local(folder, root, counter),
            "generated job": lambda job=generated: timed_execute(job),
            "in-memory job": lambda job=in_memory: timed_execute(job),
            "native Dagster": lambda job=native: timed_execute(job),
        }
        warm, timed = interleaved(runners, REPEATS)
        print(
            f"{shape}: warm runs " + ", ".join(f"{side} {s:.2f} s" for side, s in warm.items()),
            file=sys.stderr,
        )
        check_run_folders(folder / "ws-generated", steps_of(shape), 1 + REPEATS)
        found[shape] = timed
    return found


def check_run_folders(workspace: Path, steps: int, runs: int) -> None:
    """Every run of the generated job wrote a run folder with every step's output."""
    folders = sorted((workspace / "runs").iterdir())
    assert len(folders) == runs, folders
    for folder in folders:
        written = [p for p in folder.iterdir() if p.is_dir()]
        assert len(written) == steps, (folder, len(written))


def definitions_timing(root: Path) -> dict[str, dict[str, list[float]]]:
    """Seconds to build 2,000-step definitions, by shape and side (see the module docstring)."""
    import dagster as dg

    from axl.compiler.dagster import definitions
    from axl.dsl.loader import load_target

    found = {}
    for shape, source, cls_name in (
        ("chain", workflow_source("chain", DEFINITIONS_STEPS), "Bench"),
        ("layered", layered_source(DEFINITIONS_STEPS), f"Layered{DEFINITIONS_STEPS}"),
    ):
        folder = root / f"definitions-{shape}"
        folder.mkdir()
        (folder / "bench_wf.py").write_text(source, encoding="utf-8")
        target = f"{folder / 'bench_wf.py'}:{cls_name}"
        module = compile_module(target, folder / "dagster_job.py", folder / "ws")
        cls = load_target(target).cls
        upstream = workflow_upstream(target)

        def timed_build(build: Callable[[], Any]) -> float:
            gc.collect()
            start = time.perf_counter()
            job = the_job(build())
            seconds = time.perf_counter() - start
            assert len(job.nodes) == DEFINITIONS_STEPS
            return seconds

        sides: dict[str, Callable[[], float]] = {
            "generated module": lambda m=module: timed_build(lambda: load_module(m).defs),
            "in-memory API": lambda c=cls, f=folder: timed_build(
                lambda: definitions(c, workspace=f / "ws")
            ),
            "native Dagster": lambda u=upstream: timed_build(
                lambda: dg.Definitions(jobs=[native_job("bench", u)])
            ),
        }
        _, found[shape] = interleaved(sides, DEFINITIONS_REPEATS)
        if shape == "chain":
            found[shape]["generated module, fresh process"] = [fresh_process(module)]
            found[shape]["python -c 'import dagster'"] = [fresh_process(None)]
    return found


def layered_source(n: int) -> str:
    """``benchmarks/argo_compile.py``'s layered DAG: 50 steps a layer, each reading 2 before."""
    from argo_compile import axl_source

    return axl_source(n)


def fresh_process(module: Path | None) -> float:
    """Wall seconds of a new interpreter importing Dagster (and the module, resolving its job)."""
    code = "import dagster"
    if module is not None:
        code += (
            f"; import runpy; defs = runpy.run_path({str(module)!r})['defs'];"
            " (job,) = defs.jobs; defs.resolve_job_def(job.name)"
        )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def report(
    runs: dict[str, dict[str, list[float]]], built: dict[str, dict[str, list[float]]]
) -> None:
    if runs:
        per_step_table(runs)
    print(f"\nBuilding the definitions of a {DEFINITIONS_STEPS:,}-step job (seconds, wall):")
    rows = []
    for shape, by_side in built.items():
        for side, times in by_side.items():
            cell = spread(times) if len(times) > 1 else f"{times[0]:.2f}"
            rows.append([f"{shape}: {side}", cell, str(len(times))])
    print(table(["job: how", "min / median / max", "runs"], rows))
    for shape, by_side in built.items():
        native = statistics.median(by_side["native Dagster"])
        sides = ", ".join(
            f"{side} {statistics.median(by_side[side]):.2f} s "
            f"({statistics.median(by_side[side]) / native:.2f}x native)"
            for side in ("generated module", "in-memory API")
        )
        print(f"{shape}: {sides}; native Dagster {native:.2f} s")
    print("Goal: under 2 s warm.")


def per_step_table(runs: dict[str, dict[str, list[float]]]) -> None:
    print(
        f"Per step of trivial steps; {REPEATS} timed runs of each side after one warm run, "
        "interleaved; wall ms a step as min / median / max\n"
    )
    rows = []
    for shape, by_side in runs.items():
        steps = steps_of(shape)
        median = {side: statistics.median(times) for side, times in by_side.items()}
        for side in SIDES:
            per_step = [t / steps * 1000 for t in by_side[side]]
            over = (median[side] - median["native Dagster"]) / steps * 1000
            rows.append(
                [
                    f"{shape}: {side}",
                    spread(per_step),
                    f"{median[side]:.2f} s",
                    f"{median[side] / median['axl run local']:.1f}x",
                    f"{median[side] / median['native Dagster']:.1f}x",
                    f"{over:+.1f} ms" if side in ("generated job", "in-memory job") else "",
                ]
            )
    headers = ["workload: side", "ms a step", "run (median)", "vs local", "vs native"]
    headers.append("over native")
    print(table(headers, rows))


def main() -> None:
    from axl.ir import AxlWarning

    # The layered DAG's last layer feeds nothing: a warning the build would print each time.
    warnings.filterwarnings("ignore", category=AxlWarning)
    only_definitions = "--definitions" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        runs = {} if only_definitions else execution(root)
        built = definitions_timing(root)
    report(runs, built)


if __name__ == "__main__":
    main()
