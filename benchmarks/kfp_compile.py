"""KFP compile of a layered DAG: axl's whole ``axl compile`` pipeline beside the kfp SDK's own.

The DAG is the one of ``argo_compile.py``: 50 tasks a layer, each reading the
artifacts of 2 tasks of the layer before (500, 2,000 and 10,000 steps). Both
sides build it the way their users write it, in the same process, with the
same container image (axl's runner image, the CLI's default), and write a
Kubeflow Pipelines v2 ``PipelineSpec`` YAML file:

* **axl**: the generated workflow file of ``argo_compile.py``, taken through
  what ``axl compile -m FILE:Class --target kfp -o FILE`` runs: import the
  file, build the IR, compile, render the YAML with its warnings, the default
  check (the one ``--no-lint`` skips), and write the file. Once a size, the
  YAML is compared byte for byte with what the CLI writes for the same file.
* **kfp SDK**: as KFP's docs write a pipeline of container components
  ("Container Components", "Data Types > Artifacts"): ``@dsl.container_component``
  functions returning a ``dsl.ContainerSpec``, with a parameter naming the
  step, ``dsl.Input[dsl.Artifact]`` inputs and a ``dsl.Output[dsl.Artifact]``;
  a ``@dsl.pipeline`` function whose tasks pass each other's
  ``.outputs["out"]`` (the decorator traces it); then
  ``kfp.compiler.Compiler().compile(pipeline, package_path)``. Defining the
  components and the pipeline, compiling and writing the file are timed.

Runs are interleaved (axl, kfp, axl, kfp, ...) after one untimed warm run of
each side per size (imports done, bytecode cached), with the cycle collector
on as users have it and a ``gc.collect()`` before each run. CPU time
(``time.process_time``) and wall time are reported as min / median / max.

The kfp SDK names each new task by trying ``name-2``, ``name-3``, ... against
a list of the names so far, so its time grows with the square of the steps;
it is run only up to ``--kfp-max-steps`` (2,000 by default, which keeps a full
run to about 6 minutes on a 2-core machine; from 500 to 2,000 steps its time
grows about 16-fold, so a run at 10,000 would take some 25 times one at
2,000). Larger sizes are reported as skipped, with that reason. Nothing from the ``bench`` group is
needed: the kfp SDK is in the ``dev`` group (and the ``kfp`` extra)::

    .venv/bin/python benchmarks/kfp_compile.py
    .venv/bin/python benchmarks/kfp_compile.py --kfp-max-steps 10000 --repeats 1

Goal: axl at least 50x faster than the kfp SDK at 2,000 steps, checks
included, and linear in steps up to 10,000.
"""

# No ``from __future__ import annotations``: the kfp SDK reads the components'
# annotations as objects (dsl.Input[dsl.Artifact]), as in its docs.
import argparse
import statistics
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import interleaved, spread, table
from argo_compile import REPEATS, SIZES, WIDTH, Marks, axl_source, mark, phases, run, upstream

from axl.compiler.argo import default_image
from axl.compiler.registry import get_target
from axl.compiler.target import parse_flags
from axl.dsl.loader import load_target
from axl.ir import build

IMAGE = default_image()
"""The image of every step on both sides: axl's runner image, ``axl compile``'s default."""
KFP_MAX_STEPS = 2_000
"""The largest size the kfp SDK is run at by default (see the docstring)."""

Runs = list[dict[str, tuple[float, float]]]


def axl_compile(target: str, out: Path, marks: Marks) -> str:
    """What ``axl compile -m TARGET --target kfp -o OUT`` does, phase by phase (axl/cli/compile.py).

    The KFP target's ``compile()`` builds the ``PipelineSpec`` and renders its
    YAML with the warnings; ``check()`` is the check that ``--no-lint`` skips.
    """
    chosen = get_target("kfp")
    options = chosen.options(parse_flags(chosen, []))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_target(target)
    mark(marks, "class")
    built = build(loaded.cls)
    mark(marks, "IR")
    output = chosen.compile(built.ir, options)
    mark(marks, "compile + YAML")
    chosen.check(output)
    mark(marks, "check")
    out.write_bytes(output.text.encode("utf-8"))
    mark(marks, "write")
    return output.text


def sdk_compile(n: int, package_path: Path, marks: Marks) -> str:
    """The same DAG written as KFP's docs write a pipeline, compiled to ``package_path``."""
    from kfp import compiler, dsl

    @dsl.container_component
    def source(step: str, out: dsl.Output[dsl.Artifact]) -> dsl.ContainerSpec:
        return dsl.ContainerSpec(
            image=IMAGE, command=["python", "-m", "app"], args=[step, out.path]
        )

    @dsl.container_component
    def combine(
        step: str,
        a: dsl.Input[dsl.Artifact],
        b: dsl.Input[dsl.Artifact],
        out: dsl.Output[dsl.Artifact],
    ) -> dsl.ContainerSpec:
        return dsl.ContainerSpec(
            image=IMAGE,
            command=["python", "-m", "app"],
            args=[step, a.path, b.path, out.path],
        )

    @dsl.pipeline(name=f"layered-{n}")
    def layered() -> None:
        tasks = []
        for i in range(n):
            up = upstream(i)
            if up is None:
                tasks.append(source(step=f"s{i}"))
                continue
            a, b = tasks[up[0]], tasks[up[1]]
            tasks.append(combine(step=f"s{i}", a=a.outputs["out"], b=b.outputs["out"]))

    mark(marks, "define")
    compiler.Compiler().compile(layered, str(package_path))
    mark(marks, "compile + write")
    return package_path.read_text("utf-8")


def same_as_cli(target: str, text: str, folder: Path) -> bool:
    """Whether ``axl compile --target kfp`` writes the YAML this benchmark times, byte for byte."""
    from typer.testing import CliRunner

    from axl.cli.app import app

    out = folder / "cli.yaml"
    result = CliRunner().invoke(app, ["compile", "-m", target, "--target", "kfp", "-o", str(out)])
    return result.exit_code == 0 and out.read_bytes() == text.encode("utf-8")


@dataclass
class Measured:
    """One size: each side's timed runs (phase -> CPU, wall s), first-run CPU s and YAML bytes."""

    runs: dict[str, Runs]
    first: dict[str, float]
    size: dict[str, int]


def measure(n: int, folder: Path, repeats: int, with_sdk: bool) -> Measured:
    """Time axl (and the kfp SDK if ``with_sdk``) at ``n`` steps, interleaved after a warm run."""
    module = folder / f"layered_{n}.py"
    module.write_text(axl_source(n), encoding="utf-8")
    target = f"{module}:Layered{n}"
    runners: dict[str, Callable[[], tuple[Marks, str]]] = {
        "axl": partial(run, partial(axl_compile, target, folder / f"axl_{n}.yaml")),
    }
    if with_sdk:
        runners["kfp"] = partial(run, partial(sdk_compile, n, folder / f"kfp_{n}.yaml"))
    warm, timed = interleaved(runners, repeats)
    if not same_as_cli(target, warm["axl"][1], folder):
        raise SystemExit(
            "axl compile --target kfp no longer writes what axl_compile() renders: "
            "make it call what axl/cli/compile.py calls"
        )
    for side, (_, text) in warm.items():
        if f"image: {IMAGE}\n" not in text:
            raise SystemExit(f"{side}'s pipeline does not run {IMAGE}")
    return Measured(
        runs={side: [phases(marks) for marks, _ in done] for side, done in timed.items()},
        first={side: phases(marks)["total"][0] for side, (marks, _) in warm.items()},
        size={side: len(text.encode("utf-8")) for side, (_, text) in warm.items()},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kfp-max-steps",
        type=int,
        default=KFP_MAX_STEPS,
        help=f"run the kfp SDK only at sizes up to this many steps (default {KFP_MAX_STEPS:,})",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed runs of each side at every size (default: "
        + ", ".join(f"{r} at {n:,}" for n, r in REPEATS.items())
        + ")",
    )
    given = parser.parse_args()
    results: dict[int, Measured] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            repeats = given.repeats or REPEATS[n]
            results[n] = measure(n, Path(tmp), repeats, with_sdk=n <= given.kfp_max_steps)
            sides = " and ".join(results[n].runs)
            print(f"{n:,} steps: {repeats} runs of {sides}", file=sys.stderr)
    report(results, given.kfp_max_steps)


def totals(runs: Runs, clock: int) -> list[float]:
    return [r["total"][clock] for r in runs]


def median(runs: Runs, phase: str) -> float:
    return statistics.median(r[phase][0] for r in runs)


def report(results: dict[int, Measured], kfp_max_steps: int) -> None:
    print(
        f"Layered DAG ({WIDTH} tasks a layer, each reading 2 of the layer before) to a KFP v2 "
        "PipelineSpec file; warm, interleaved runs after an untimed first run of each side "
        "a size; seconds as min / median / max\n"
    )
    rows = []
    for n, measured in results.items():
        axl = measured.runs["axl"]
        row = [f"{n:,}", str(len(axl)), spread(totals(axl, 0)), spread(totals(axl, 1))]
        kfp = measured.runs.get("kfp")
        if kfp is None:
            row += ["skipped", "skipped", "", ""]
        else:
            row += [spread(totals(kfp, 0)), spread(totals(kfp, 1))]
            row += [
                f"{statistics.median(totals(kfp, c)) / statistics.median(totals(axl, c)):.1f}x"
                for c in (0, 1)
            ]
        row.append(f"{statistics.median(totals(axl, 0)) / n * 1e6:.0f}")
        rows.append(row)
    headers = ["steps", "runs", "axl CPU s", "axl wall s", "kfp CPU s", "kfp wall s"]
    headers += ["kfp/axl (CPU)", "(wall)", "axl CPU us/step"]
    print(table(headers, rows))
    skipped = [n for n, measured in results.items() if "kfp" not in measured.runs]
    if skipped:
        print(
            f"\nkfp SDK skipped at {', '.join(f'{n:,}' for n in skipped)} steps: over "
            f"--kfp-max-steps {kfp_max_steps:,} (its task naming is quadratic in the steps)"
        )
    ran = [n for n, measured in results.items() if "kfp" in measured.runs]
    if len(ran) > 1:
        small, large = (median(results[n].runs["kfp"], "total") for n in (ran[0], ran[-1]))
        print(
            f"kfp SDK median CPU time from {ran[0]:,} to {ran[-1]:,} steps: {large / small:.1f}x "
            f"(linear {ran[-1] / ran[0]:.0f}x, quadratic {(ran[-1] / ran[0]) ** 2:.0f}x)"
        )

    print("\nfirst (untimed) run, CPU s, and YAML bytes a task:")
    for n, measured in results.items():
        cells = [
            f"{side} {measured.first[side]:.2f} s, {measured.size[side] / n:.0f} B"
            for side in measured.first
        ]
        print(f"  {n:,}: " + "; ".join(cells))

    first_n, last = SIZES[0], SIZES[-1]
    print(f"\nlinear? axl CPU time per step at {last:,} vs {first_n:,} steps (1.00 = linear):")
    for label, pick in (("min", min), ("median", statistics.median)):
        small = pick(totals(results[first_n].runs["axl"], 0)) / first_n
        large = pick(totals(results[last].runs["axl"], 0)) / last
        print(f"  {label}: {small * 1e6:.0f} -> {large * 1e6:.0f} us, {large / small:.2f}x")

    print("\nwhere the time goes (median CPU ms of each phase, and its share):")
    for side in ("axl", "kfp"):
        sizes = [n for n, measured in results.items() if side in measured.runs]
        if not sizes:
            continue
        names = [p for p in results[sizes[0]].runs[side][0] if p != "total"]
        rows = []
        for n in sizes:
            runs = results[n].runs[side]
            total = median(runs, "total")
            cells = [f"{median(runs, p) * 1000:.0f} ({median(runs, p) / total:.0%})" for p in names]
            rows.append([f"{n:,}", *cells, f"{total * 1000:.0f}"])
        print(table([f"{side} steps", *names, "total"], rows))


if __name__ == "__main__":
    main()
