"""Argo compile of a layered DAG: axl's whole ``axl compile`` pipeline beside idiomatic Hera.

The DAG has 50 tasks a layer; each task reads the artifacts of 2 tasks of the
layer before (500, 2,000 and 10,000 steps). Both sides build that DAG the way
their users write it, in the same process, and are timed the same way:

* **axl**: a generated workflow file (one ``Workflow`` class, one ``@step``
  method a step, edges from the signatures), taken through what
  ``axl compile -m FILE:Class --target argo`` runs: import the file, build the
  IR, compile, render the YAML with its warnings, and the default check of the
  compiled document (the lint that ``--no-lint`` skips). Once, the YAML is
  compared byte for byte with what the CLI writes for the same file.
* **Hera**: as Hera's examples write a DAG (``dags/dag_diamond_with_container``,
  ``artifacts/artifacts_in_dags``): reusable ``Container`` templates with
  inputs (a ``Parameter`` naming the step, ``Artifact`` inputs), tasks made by
  calling them with ``get_artifact`` arguments, chained with ``>>``, then
  ``Workflow.to_yaml()``. (Hera's ``@script`` form is about twice as slow
  here; the faster form is used.)

Runs are interleaved (axl, Hera, axl, Hera, ...) after one untimed warm run
of each side per size (imports done, bytecode cached), with the cycle
collector on as users have it and a ``gc.collect()`` before each run. CPU
time (``time.process_time``) and wall time are reported as min / median / max.
Hera is a benchmark-only dependency (the ``bench`` group)::

    UV_PROJECT_ENVIRONMENT=/tmp/benchvenv python3 -m uv sync --frozen --group bench
    UV_PROJECT_ENVIRONMENT=/tmp/benchvenv python3 -m uv run python benchmarks/argo_compile.py

Goal: axl at least 5x faster than Hera at 2,000 and 10,000 steps, checks
included, and linear in steps.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import spread, table

from axl.compiler.argo import ArgoOptions, compile, default_image, document_warnings, to_yaml
from axl.compiler.argo.target import lint_findings as _lint  # axl compile's default check
from axl.dsl.loader import load_target
from axl.ir import build

WIDTH = 50
SIZES = (500, 2_000, 10_000)
REPEATS = {500: 7, 2_000: 5, 10_000: 3}
"""Timed runs of each side per size (the same for both)."""
IMAGE = "python:3.12"

Marks = list[tuple[str, float, float]]
"""(phase, CPU seconds, wall seconds) at the end of each phase of one run."""


def upstream(i: int, width: int = WIDTH) -> tuple[int, int] | None:
    """The two tasks of the layer before that task ``i`` reads (None in the first layer)."""
    layer, pos = divmod(i, width)
    if layer == 0:
        return None
    return (layer - 1) * width + pos, (layer - 1) * width + (pos + 1) % width


def axl_source(n: int) -> str:
    """A workflow file of ``n`` steps, as a user (or a generator) would write it."""
    lines = ["from axl import Workflow, step", "", "", f"class Layered{n}(Workflow):"]
    lines += [f'    name = "layered-{n}"', ""]
    for i in range(n):
        up = upstream(i)
        lines.append("    @step")
        if up is None:
            lines += [f"    def s{i}(self) -> int:", f"        return {i}", ""]
        else:
            a, b = up
            lines.append(f"    def s{i}(self, s{a}: int, s{b}: int) -> int:")
            lines += [f"        return s{a} + s{b}", ""]
    return "\n".join(lines)


def mark(marks: Marks, phase: str) -> None:
    marks.append((phase, time.process_time(), time.perf_counter()))


def axl_compile(target: str, marks: Marks) -> str:
    """What ``axl compile -m TARGET --target argo`` does, phase by phase (see axl/cli/compile.py).

    ``render()`` is compile + ``to_yaml`` + ``document_warnings``; it is called
    in those three parts so that each is timed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_target(target)
    mark(marks, "class")
    built = build(loaded.cls)
    mark(marks, "IR")
    document = compile(built.ir, ArgoOptions(image=default_image()))
    mark(marks, "compile")
    text = to_yaml(document)
    document_warnings(built.ir, len(text.encode("utf-8")))
    mark(marks, "YAML")
    _lint(document)
    mark(marks, "check")
    return text


def hera_compile(n: int, marks: Marks) -> str:
    """The same DAG written as Hera's docs write one, rendered with ``to_yaml()``."""
    from hera.workflows import DAG, Artifact, Container, Parameter, Workflow

    with Workflow(generate_name=f"layered-{n}-", entrypoint="main") as workflow:
        out = Artifact(name="out", path="/tmp/out")
        source = Container(
            name="source",
            image=IMAGE,
            command=["python", "-m", "app"],
            args=["{{inputs.parameters.step}}"],
            inputs=[Parameter(name="step")],
            outputs=[out],
        )
        combine = Container(
            name="combine",
            image=IMAGE,
            command=["python", "-m", "app"],
            args=["{{inputs.parameters.step}}"],
            inputs=[
                Parameter(name="step"),
                Artifact(name="a", path="/tmp/a"),
                Artifact(name="b", path="/tmp/b"),
            ],
            outputs=[out],
        )
        with DAG(name="main"):
            tasks = []
            for i in range(n):
                up = upstream(i)
                if up is None:
                    tasks.append(source(name=f"s{i}", arguments={"step": f"s{i}"}))
                    continue
                a, b = tasks[up[0]], tasks[up[1]]
                task = combine(
                    name=f"s{i}",
                    arguments={
                        "step": f"s{i}",
                        "a": a.get_artifact("out"),
                        "b": b.get_artifact("out"),
                    },
                )
                [a, b] >> task
                tasks.append(task)
    mark(marks, "define")
    text: str = workflow.to_yaml()
    mark(marks, "YAML")
    return text


def run(fn: Callable[[Marks], str]) -> tuple[Marks, str]:
    """One timed run: marks at the start and after each phase, and the YAML."""
    gc.collect()
    marks: Marks = []
    mark(marks, "start")
    text = fn(marks)
    return marks, text


def phases(marks: Marks) -> dict[str, tuple[float, float]]:
    """CPU and wall seconds of each phase of one run, and of the whole (``total``)."""
    found = {
        name: (cpu - marks[i][1], wall - marks[i][2])
        for i, (name, cpu, wall) in enumerate(marks[1:])
    }
    found["total"] = (marks[-1][1] - marks[0][1], marks[-1][2] - marks[0][2])
    return found


def same_as_cli(target: str, text: str, folder: Path) -> bool:
    """Whether ``axl compile`` writes the YAML this benchmark times, byte for byte."""
    from typer.testing import CliRunner

    from axl.cli.app import app

    out = folder / "cli.yaml"
    result = CliRunner().invoke(app, ["compile", "-m", target, "--target", "argo", "-o", str(out)])
    return result.exit_code == 0 and out.read_text("utf-8") == text


def have_hera() -> bool:
    try:
        import hera  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    hera = have_hera()
    sides = ["axl", "Hera"] if hera else ["axl"]
    results: dict[int, dict[str, list[dict[str, tuple[float, float]]]]] = {}
    sizes: dict[int, dict[str, int]] = {}
    first: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in SIZES:
            path = folder / f"layered_{n}.py"
            path.write_text(axl_source(n), encoding="utf-8")
            target = f"{path}:Layered{n}"
            runners: dict[str, Callable[[Marks], str]] = {
                "axl": lambda marks, target=target: axl_compile(target, marks),
                "Hera": lambda marks, n=n: hera_compile(n, marks),
            }
            sizes[n], first[n] = {}, {}
            for side in sides:  # the untimed warm run
                marks, text = run(runners[side])
                first[n][side] = phases(marks)["total"][0]
                sizes[n][side] = len(text.encode("utf-8"))
                if side == "axl" and n == SIZES[0] and not same_as_cli(target, text, folder):
                    raise SystemExit(
                        "axl compile no longer writes what axl_compile() renders: "
                        "make it call what axl/cli/compile.py calls"
                    )
                del text
            results[n] = {side: [] for side in sides}
            for _ in range(REPEATS[n]):
                for side in sides:
                    marks, _ = run(runners[side])
                    results[n][side].append(phases(marks))
            print(f"{n:,} steps: {REPEATS[n]} runs each", file=sys.stderr)
    report(results, sizes, first, sides)


def median(runs: list[dict[str, tuple[float, float]]], phase: str, clock: int = 0) -> float:
    return statistics.median(r[phase][clock] for r in runs)


def report(
    results: dict[int, dict[str, list[dict[str, tuple[float, float]]]]],
    sizes: dict[int, dict[str, int]],
    first: dict[int, dict[str, float]],
    sides: list[str],
) -> None:
    print(
        f"Layered DAG ({WIDTH} tasks a layer, each reading 2 of the layer before); "
        "warm, interleaved runs after an untimed first run of each side a size; "
        "seconds as min / median / max\n"
    )
    rows = []
    for n, by_side in results.items():
        for side in sides:
            runs = by_side[side]
            cpu = [r["total"][0] for r in runs]
            wall = [r["total"][1] for r in runs]
            row = [f"{n:,}", side, str(len(runs)), spread(cpu), spread(wall)]
            row += [f"{statistics.median(cpu) / n * 1e6:.0f}", f"{first[n][side]:.2f}"]
            row.append(f"{sizes[n][side] / n:.0f} B")
            if side == "axl" and "Hera" in by_side:
                hera_cpu = [r["total"][0] for r in by_side["Hera"]]
                hera_wall = [r["total"][1] for r in by_side["Hera"]]
                row += [
                    f"{statistics.median(hera_cpu) / statistics.median(cpu):.1f}x",
                    f"{statistics.median(hera_wall) / statistics.median(wall):.1f}x",
                ]
            elif "Hera" in by_side:
                row += ["", ""]
            rows.append(row)
    headers = ["steps", "", "runs", "CPU s", "wall s", "CPU us/step", "1st run CPU s", "YAML/task"]
    if "Hera" in sides:
        headers += ["axl faster (CPU)", "(wall)"]
    print(table(headers, rows))

    first_n, last = SIZES[0], SIZES[-1]
    print(f"\nlinear? CPU time per step at {last:,} vs {first_n:,} steps (1.00 = linear):")
    for side in sides:
        cells = []
        for label, pick in (("min", min), ("median", statistics.median)):
            small = pick(r["total"][0] for r in results[first_n][side]) / first_n
            large = pick(r["total"][0] for r in results[last][side]) / last
            cells.append(f"{label} {small * 1e6:.0f} -> {large * 1e6:.0f} us, {large / small:.2f}x")
        print(f"  {side}: " + "; ".join(cells))

    print("\nwhere the time goes (median CPU ms of each phase, and its share):")
    for side in sides:
        names = [p for p in results[first_n][side][0] if p != "total"]
        rows = []
        for n in SIZES:
            runs = results[n][side]
            total = median(runs, "total")
            cells = [f"{median(runs, p) * 1000:.0f} ({median(runs, p) / total:.0%})" for p in names]
            rows.append([f"{n:,}", *cells, f"{total * 1000:.0f}"])
        print(table([f"{side} steps", *names, "total"], rows))
    print("\naxl's default check, as a share of compile + YAML + check, and axl without it:")
    for n in SIZES:
        runs = results[n]["axl"]
        check = median(runs, "check")
        emitting = sum(median(runs, p) for p in ("compile", "YAML", "check"))
        line = f"  {n:,}: check {check / emitting:.0%}"
        if "Hera" in sides:
            rest = median(runs, "total") - check
            line += f"; without it axl is {median(results[n]['Hera'], 'total') / rest:.1f}x faster"
        print(line)
    if "Hera" not in sides:
        print("\nHera is not installed: sync the 'bench' group to compare (see the docstring)")


if __name__ == "__main__":
    main()
