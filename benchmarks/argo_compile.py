"""Argo compile time and YAML size for generated layered DAGs, beside Hera on the same DAG.

The DAG has 50 tasks a layer; each task reads 2 tasks of the layer before.
For 500, 2,000 and 10,000 steps it prints axl's IR build, compile and YAML
times and the YAML size, and, in the same process, Hera building the same
Workflow (the same templates, container arguments, artifacts and tasks,
taken from axl's document, so Hera does less work than axl) and
``to_yaml()``. Hera is a benchmark-only dependency (the ``bench`` group)::

    UV_PROJECT_ENVIRONMENT=/tmp/benchvenv python3 -m uv sync --frozen --all-packages --group bench
    /tmp/benchvenv/bin/python benchmarks/argo_compile.py

Goal: at least 5x faster than Hera, linear in steps, YAML no larger per task.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import table

from axl import Workflow, step
from axl.compiler.argo import ArgoOptions, compile, to_yaml
from axl.ir import IRWorkflow, build

WIDTH = 50
SIZES = (500, 2_000, 10_000)


def layered(n: int, width: int = WIDTH) -> type[Workflow]:
    """A workflow class of ``n`` steps: layer ``k`` task ``j`` reads tasks ``j`` and ``j+1``
    (mod ``width``) of layer ``k-1``."""
    code = []
    for i in range(n):
        layer, pos = divmod(i, width)
        if layer == 0:
            code.append(f"def s{i}(self) -> int:\n    return {i}\n")
            continue
        a = (layer - 1) * width + pos
        b = (layer - 1) * width + (pos + 1) % width
        code.append(f"def s{i}(self, s{a}: int, s{b}: int) -> int:\n    return s{a} + s{b}\n")
    namespace: dict[str, Any] = {}
    exec("\n".join(code), namespace)
    body = {f"s{i}": step(namespace[f"s{i}"]) for i in range(n)}
    return type(f"Layered{n}", (Workflow,), {"name": f"layered-{n}", **body})


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best time of ``repeat`` runs (collection paused, as for both tools alike) and a result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def hera_from(doc: dict[str, Any]) -> Callable[[], str]:
    """A function that builds ``doc``'s DAG with Hera and renders it with ``to_yaml()``."""
    from hera.workflows import DAG, Artifact, Container, Task
    from hera.workflows import Workflow as HeraWorkflow
    from hera.workflows.models import PodGC

    spec = doc["spec"]
    containers = spec["templates"][1:]
    tasks = spec["templates"][0]["dag"]["tasks"]

    def build_and_render() -> str:
        with HeraWorkflow(
            generate_name=doc["metadata"]["generateName"],
            entrypoint=spec["entrypoint"],
            labels=doc["metadata"]["labels"],
            annotations=doc["metadata"]["annotations"],
            pod_gc=PodGC(strategy=spec["podGC"]["strategy"]),
        ) as workflow:
            for t in containers:
                c = t["container"]
                Container(
                    name=t["name"],
                    image=c["image"],
                    command=c["command"],
                    args=c["args"],
                    inputs=[
                        Artifact(name=a["name"], path=a["path"])
                        for a in t.get("inputs", {}).get("artifacts", [])
                    ],
                    outputs=[
                        Artifact(name=a["name"], path=a["path"]) for a in t["outputs"]["artifacts"]
                    ],
                )
            with DAG(name="main"):
                for task in tasks:
                    Task(
                        name=task["name"],
                        template=task["template"],
                        depends=task.get("depends"),
                        arguments=[
                            Artifact(name=a["name"], from_=a["from"])
                            for a in task.get("arguments", {}).get("artifacts", [])
                        ],
                    )
        text: str = workflow.to_yaml()
        return text

    return build_and_render


def main() -> None:
    try:
        import hera  # noqa: F401

        have_hera = True
    except ImportError:
        have_hera = False
    rows = []
    per_step: dict[int, float] = {}
    for n in SIZES:
        cls = layered(n)
        repeat = 3 if n <= 2_000 else 1
        t_ir, ir = timed(lambda cls=cls: build(cls).ir, repeat)
        assert isinstance(ir, IRWorkflow)
        t_compile, doc = timed(lambda ir=ir: compile(ir, ArgoOptions()), repeat)
        t_yaml, text = timed(lambda doc=doc: to_yaml(doc), repeat)
        total = t_ir + t_compile + t_yaml
        per_step[n] = total / n
        size = len(text.encode("utf-8"))
        row = [
            f"{n:,}",
            f"{t_ir * 1000:.0f}",
            f"{t_compile * 1000:.0f}",
            f"{t_yaml * 1000:.0f}",
            f"{total * 1000:.0f}",
            f"{total / n * 1e6:.0f}",
            f"{size / 1e6:.2f} MB",
            f"{size / n:.0f} B",
        ]
        if have_hera:
            t_hera, hera_text = timed(hera_from(doc), 1 if n > 2_000 else 2)
            hera_size = len(hera_text.encode("utf-8"))
            row += [f"{t_hera * 1000:.0f}", f"{hera_size / n:.0f} B", f"{t_hera / total:.1f}x"]
        rows.append(row)
    headers = [
        "steps", "IR ms", "compile ms", "YAML ms", "axl ms", "us/step", "YAML", "per task",
    ]  # fmt: skip
    if have_hera:
        headers += ["Hera ms", "Hera/task", "speed-up"]
    print(table(headers, rows))
    growth = per_step[SIZES[-1]] / per_step[SIZES[0]]
    print(f"\ntime per step, {SIZES[-1]:,} vs {SIZES[0]:,} steps: {growth:.2f}x (1.0 = linear)")
    if not have_hera:
        print("Hera is not installed: sync the 'bench' group to compare (see the docstring)")


if __name__ == "__main__":
    main()
