"""Fixtures of the Pulumi component tests: a user's project to deploy, a folder to run from."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IRIS = f"{REPO / 'examples' / 'iris_knn.py'}:IrisKNN"

PIPELINE = '''\
"""A user's workflow: prepare -> train -> report."""

from axl import Param, Workflow, step
from flows import helpers


class Pipeline(Workflow):
    name = "pipeline"
    scale = Param(2, help="multiplier")

    @step
    def prepare(self) -> list[int]:
        return helpers.numbers()

    @step
    def train(self, prepare: list[int]) -> int:
        return sum(prepare) * self.scale

    @step
    def report(self, train: int) -> str:
        return helpers.describe(train)
'''

HELPERS = """\
def numbers() -> list[int]:
    return [1, 2, 3]


def describe(value: int) -> str:
    return f"total={value}"
"""


@dataclass(frozen=True)
class Project:
    """A user's workflow project (pyproject.toml, package ``flows``) outside axl's tree."""

    root: Path

    @property
    def pipeline(self) -> Path:
        return self.root / "flows" / "pipeline.py"

    @property
    def target(self) -> str:
        return f"{self.pipeline}:Pipeline"

    def edit_step(self, old: str, new: str) -> None:
        """Change one line of a step's body."""
        text = self.pipeline.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        self.pipeline.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "user-project"
    (root / "flows").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [project]
            name = "user-flows"
            version = "0.1.0"
            dependencies = ["axl-workflows"]
            """
        ),
        encoding="utf-8",
    )
    (root / "flows" / "__init__.py").write_text("", encoding="utf-8")
    (root / "flows" / "helpers.py").write_text(HELPERS, encoding="utf-8")
    (root / "flows" / "pipeline.py").write_text(PIPELINE, encoding="utf-8")
    return Project(root)


@pytest.fixture
def program_dir(tmp_path: Path) -> Path:
    """The folder a program runs from (Pulumi runs a program from its project folder)."""
    folder = tmp_path / "program"
    folder.mkdir()
    return folder
