"""A small project with cache=True steps and a helper module, for the step cache's tests.

Each test writes its own copy (the module name is the test's own, so a process
that loads several copies keeps them apart); the steps' code lives beside the
workflow in ``helpers_<name>.py``, so a helper change changes the code digest.
"""

from __future__ import annotations

from pathlib import Path

FLOW = """
from axl import Workflow, step

from helpers_{name} import scale


class Cached(Workflow):
    name = "cached-{dashed}"

    @step(cache=True)
    def load(self) -> list[int]:
        return [1, 2, 3]

    @step(cache=True)
    def total(self, load: list[int]) -> int:
        return scale(sum(load))
"""

HELPERS = """
def scale(value: int) -> int:
    return value * {factor}
"""


def write_project(folder: Path, name: str, factor: int = 10) -> str:
    """The project in ``folder``: its ``pyproject.toml``, workflow and helper; the target."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text('[project]\nname = "cached"\nversion = "0"\n')
    dashed = name.replace("_", "-")
    (folder / f"flow_{name}.py").write_text(FLOW.format(name=name, dashed=dashed))
    (folder / f"helpers_{name}.py").write_text(HELPERS.format(factor=factor))
    return f"{folder / f'flow_{name}.py'}:Cached"
