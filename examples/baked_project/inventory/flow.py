"""The project's workflow: stock levels -> what to reorder -> a text table.

Its dependencies come from the project's own ``pyproject.toml`` and ``uv.lock``;
``axl build-image`` bakes them, with this code, into an image:

    axl build-image -m inventory/flow.py:Inventory --tag registry.example/inventory:0.1.0
"""

from __future__ import annotations

from axl import Param, Workflow, step
from inventory import render

STOCK = {"bolts": 120, "nuts": 35, "washers": 8, "screws": 64}


class Inventory(Workflow):
    name = "inventory"
    use_lockfile = True
    minimum = Param(50, help="reorder items with fewer units than this")

    @step
    def levels(self) -> dict[str, int]:
        return dict(STOCK)

    @step
    def reorder(self, levels: dict[str, int]) -> list[dict[str, object]]:
        low = sorted((units, item) for item, units in levels.items() if units < self.minimum)
        return [
            {"item": item, "units": units, "order": self.minimum - units} for units, item in low
        ]

    @step(packages=["tabulate>=0.9"])
    def report(self, reorder: list[dict[str, object]]) -> str:
        return render.table(reorder)
