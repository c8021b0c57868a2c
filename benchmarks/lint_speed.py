"""Lint speed on a compiled 2,000-step workflow: the full lint and compile's own check.

The workflow is the layered DAG of ``argo_compile.py`` (50 tasks a layer, each
reading two tasks of the layer before). Prints CPU seconds, min/median/max
of interleaved repeats, for the compile (IR, document, YAML), ``axl lint``'s
full rule set and the check ``axl compile`` runs on what it wrote
(:func:`axl.compiler.argo.lint.check_compiled`), and each check's share of a
compile that runs it. The first run of each is reported apart: it loads and
compiles the schemas, as every ``axl compile`` process does once::

    .venv/bin/python benchmarks/lint_speed.py [STEPS]
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import table
from argo_compile import axl_source

from axl.compiler.argo import ArgoOptions, compile, to_yaml
from axl.compiler.argo.lint import check_compiled, lint_document
from axl.dsl.loader import load_target
from axl.ir import build

REPEAT = 7


def _cpu(fn: Any, *args: Any) -> tuple[float, Any]:
    gc.collect()
    start = time.process_time()
    result = fn(*args)
    return time.process_time() - start, result


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    with tempfile.TemporaryDirectory() as folder:
        module = Path(folder) / f"layered{steps}.py"
        module.write_text(axl_source(steps))
        cls = load_target(f"{module}:Layered{steps}").cls

    def compile_once() -> dict[str, Any]:
        document = compile(build(cls).ir, ArgoOptions())
        to_yaml(document)
        return document

    times: dict[str, list[float]] = {"compile": [], "check_compiled": [], "full lint": []}
    first: dict[str, float] = {}
    for index in range(REPEAT + 1):
        spent, document = _cpu(compile_once)
        checks = [("check_compiled", check_compiled), ("full lint", _full)]
        for name, check in checks if index % 2 == 0 else checks[::-1]:
            took, _ = _cpu(check, document)
            if index == 0:
                first[name] = took
            else:
                times[name].append(took)
        if index:
            times["compile"].append(spent)
    compile_median = statistics.median(times["compile"])
    rows = []
    for name, values in times.items():
        mid = statistics.median(values)
        share = "" if name == "compile" else f"{mid / (mid + compile_median):.0%}"
        cold = f"{first[name] * 1000:.0f}" if name in first else ""
        cold_share = f"{first[name] / (first[name] + compile_median):.0%}" if name in first else ""
        spread = (f"{v * 1000:.0f}" for v in (min(values), mid, max(values)))
        rows.append([name, *spread, share, cold, cold_share])
    print(f"{steps:,} steps, CPU ms over {REPEAT} interleaved runs")
    headers = ["", "min", "median", "max", "share", "first run", "first share"]
    print(table(headers, rows))


def _full(document: dict[str, Any]) -> Any:
    return lint_document(document, strict_names=True)


if __name__ == "__main__":
    main()
