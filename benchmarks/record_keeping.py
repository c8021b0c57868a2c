"""What keeping a trustworthy record costs a step, beside what the step costs in all.

Each step that ends is appended to the run's journal, and each step's key
(the digest of what it consumed: code, params, env, input digests) is
computed once when it starts. Both are timed here on the 200-step chain of
``runner_overhead.py``, per step, beside the whole ``run_local`` of that
chain (worker isolation, the default), all in the same run, each 7 times
(warm: the modules are imported first), as min / median / max. The budget
is 0.2 ms a step for both together.

    uv run python benchmarks/record_keeping.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import table
from runner_overhead import N, workflow_source

REPEAT = 7


def timed(fn: Callable[[], object]) -> list[float]:
    """Milliseconds per step of ``fn`` (which does the work of all N steps), REPEAT times."""
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000 / N)
    return times


def main() -> None:
    from axl.dsl.loader import load_target
    from axl.ir import build_ir
    from axl.runtime.api import run_local
    from axl.runtime.local_options import LocalOptions
    from axl.runtime.local_plan import local_manifests
    from axl.runtime.record import Journal, RunRecord
    from axl.runtime.step_inputs import step_key

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "bench_wf.py").write_text(workflow_source("chain"))
        target = f"{root / 'bench_wf.py'}:Bench"
        result = run_local(target, workspace=root / "warm", max_parallel=2)
        record: RunRecord = result.record
        ir = build_ir(load_target(target).cls)
        options = LocalOptions(workspace=root)
        manifests = local_manifests(ir, {}, Path(record.run_dir), "r", options)
        digests = {name: s.outputs[0].digest for name, s in record.steps.items()}

        def keys() -> None:
            for node in ir.nodes:
                ups = {up: digests[up] for up in ir.upstream(node.name)}
                step_key(ir, node, manifests[node.name], ups)

        journal_dir = root / "journal"
        journal_dir.mkdir()
        journal = Journal(journal_dir)
        steps = list(record.steps.values())

        def append() -> None:
            for step in steps:
                journal.append(step)

        runs = iter(range(REPEAT))

        def whole() -> None:
            run_local(target, workspace=root / f"ws{next(runs)}", max_parallel=2)

        rows = []
        measured = {"journal append": timed(append), "step key": timed(keys)}
        measured["both"] = [a + b for a, b in zip(*measured.values(), strict=True)]
        measured["whole run_local, per step"] = timed(whole)
        journal.close(remove=True)
        budget = statistics.median(measured["both"]) / 0.2
        for label, values in measured.items():
            rows.append(
                [
                    label,
                    f"{min(values):.4f}",
                    f"{statistics.median(values):.4f}",
                    f"{max(values):.4f}",
                ]
            )
        print(table(["per step (ms), 200-step chain", "min", "median", "max"], rows))
        print(f"\nrecord keeping uses {budget:.0%} of its 0.2 ms budget (median)")


if __name__ == "__main__":
    main()
