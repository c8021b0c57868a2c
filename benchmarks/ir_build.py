"""IR build time for generated chains of 1,000 and 10,000 steps.

Prints the time to build the IR (signature inference, checks, frozen models,
hashing each step's code) beside a floor: a plain loop that makes one dict per
step and per edge, the least any builder must do. Run::

    uv run python benchmarks/ir_build.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import best_of, table

from axl import Workflow, step
from axl.ir import build


def chain(n: int) -> type[Workflow]:
    namespace: dict[str, object] = {}
    code = ["def s0(self) -> int:\n    return 0\n"]
    code += [
        f"def s{i}(self, s{i - 1}: int) -> int:\n    return s{i - 1} + 1\n" for i in range(1, n)
    ]
    exec("\n".join(code), namespace)
    return type(f"Chain{n}", (Workflow,), {f"s{i}": step(namespace[f"s{i}"]) for i in range(n)})


def floor(n: int) -> None:
    nodes = [{"name": f"s{i}", "inputs": [f"s{i - 1}"] if i else []} for i in range(n)]
    edges = [{"from": f"s{i - 1}", "to": f"s{i}"} for i in range(1, n)]
    assert len(nodes) == len(edges) + 1


def main() -> None:
    rows = []
    for n in (1_000, 10_000):
        cls = chain(n)
        seconds = best_of(lambda cls=cls: build(cls), repeat=3)
        base = best_of(lambda n=n: floor(n), repeat=3)
        rows.append(
            [
                f"chain of {n:,}",
                f"{seconds * 1000:.0f} ms",
                f"{seconds / n * 1e6:.0f} us",
                f"{base * 1000:.1f} ms",
                f"{seconds / base:.0f}x",
            ]
        )
    print(table(["IR build", "total", "per step", "floor (dicts)", "vs floor"], rows))


if __name__ == "__main__":
    main()
