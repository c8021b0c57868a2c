"""Path-mode parameters: the annotation is what the step receives; they bind by name only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from axl import Workflow, step
from axl.errors import GraphError
from axl.ir import build
from axl.manifest import Manifest, ManifestInput, ManifestOutput
from axl.runtime.runner import register_workflow_class, run_step


class Table:
    """Stands for a DataFrame: nothing a path annotation would fit."""


@pytest.mark.parametrize("annotation", [Path, str, os.PathLike, "os.PathLike[str]"])
@pytest.mark.parametrize("per_argument", [False, True])
def test_a_path_annotation_is_accepted_whatever_the_producer_returns(annotation, per_argument):
    mode: Any = {"load": "path"} if per_argument else "path"

    class W(Workflow):
        @step
        def load(self) -> Table:
            return Table()

        def size(self, load) -> int:  # noqa: ANN001 - annotated below
            return 0

        size.__annotations__["load"] = annotation
        size = step(input_mode=mode)(size)

    node = build(W).ir.get_node("size")
    assert [(i.name, i.source, i.ref, i.mode) for i in node.inputs] == [
        ("load", "step", "load", "path")
    ]


def test_the_workflow_wide_path_mode_counts_too():
    class W(Workflow):
        input_mode = "path"

        @step
        def load(self) -> Table:
            return Table()

        @step
        def size(self, load: Path) -> int:
            return 0

    assert build(W).ir.get_node("size").inputs[0].mode == "path"


def test_a_path_mode_parameter_binds_by_name_or_in_graph_only():
    class ByType(Workflow):
        @step
        def load(self) -> Path:
            return Path("x")

        @step(input_mode="path")
        def size(self, data: Path) -> int:
            return 0

    with pytest.raises(
        GraphError,
        match=r"step 'size': parameter 'data' is in path mode and names no step; "
        r"a path-mode parameter binds by name only \(name it after the step whose artifact "
        r"it reads \(earlier steps: load\)",
    ):
        build(ByType)

    class Loose(ByType):  # even an annotation that fits anything does not bind by type
        @step(input_mode="path")
        def size(self, data: Any) -> int:
            return 0

    with pytest.raises(GraphError, match=r"parameter 'data' is in path mode and names no step"):
        build(Loose)

    class Wired(ByType):
        def graph(self):  # noqa: ANN202
            return self.size(self.load())

    node = build(Wired).ir.get_node("size")
    assert [(i.name, i.ref, i.mode) for i in node.inputs] == [("data", "load", "path")]


def test_only_path_mode_parameters_skip_the_type_check():
    class Mixed(Workflow):
        @step
        def load(self) -> Table:
            return Table()

        @step
        def other(self) -> Table:
            return Table()

        @step(input_mode={"load": "path"})
        def size(self, load: Path, other: Path) -> int:
            return 0

    with pytest.raises(
        GraphError, match=r"parameter 'other' expects pathlib\.Path .* incompatible"
    ):
        build(Mixed)

    class NoneStep(Workflow):
        @step
        def load(self) -> None:
            return None

        @step(input_mode="path")
        def size(self, load: Path) -> int:
            return 0

    with pytest.raises(GraphError, match=r"from step 'load', which returns None"):
        build(NoneStep)


def test_a_path_mode_parameter_with_a_default_or_a_param_name_is_not_a_step_input():
    from axl import Param

    class W(Workflow):
        root = Param("/data")

        @step
        def load(self) -> int:
            return 1

        @step(input_mode="path")
        def size(self, load: Path, root: str, extra: Path | None = None) -> int:
            return 0

    node = build(W).ir.get_node("size")
    assert [(i.name, i.source, i.mode) for i in node.inputs] == [
        ("load", "step", "path"),
        ("root", "param", "object"),
    ]


class Receives(Workflow):
    name = "receives"

    @step(io_handler="json")
    def make(self) -> dict[str, int]:
        return {"x": 1}

    @step(input_mode="path")
    def as_text(self, make: str) -> str:
        return type(make).__name__

    @step(input_mode="path")
    def as_path(self, make: Path) -> str:
        return type(make).__name__


@pytest.mark.parametrize(("consumer", "received"), [("as_text", "str"), ("as_path", "PosixPath")])
def test_the_runner_hands_a_str_annotated_parameter_the_path_as_text(
    tmp_path: Path, consumer: str, received: str
):
    ref = build(Receives).ir.ref
    register_workflow_class(ref, Receives)
    made = tmp_path / "make.json"
    run_step(Manifest(workflow=ref, step="make", outputs=(ManifestOutput(str(made), "json"),)))
    out = tmp_path / "out.json"
    run_step(
        Manifest(
            workflow=ref,
            step=consumer,
            inputs=(ManifestInput(name="make", path=str(made), handler="json", mode="path"),),
            outputs=(ManifestOutput(str(out), "json"),),
        )
    )
    from axl.io.artifacts import read_artifact

    assert read_artifact(out) == received
