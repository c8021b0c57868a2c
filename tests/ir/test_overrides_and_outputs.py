"""A subclass that drops a step's ``@step`` is told so; declared outputs and the last step."""

from __future__ import annotations

import pytest

from axl import Workflow, step
from axl.errors import GraphError
from axl.ir import build


class Base(Workflow):
    @step
    def load(self) -> list[int]:
        return [1]

    @step
    def train(self, load: list[int]) -> int:
        return len(load)


def test_a_step_read_by_name_after_its_override_dropped_step():
    class Sub(Base):
        def load(self) -> list[int]:
            return [2]

    with pytest.raises(
        GraphError,
        match=r"^workflow 'sub': step 'train' reads parameter 'load', but Sub\.load overrides "
        r"step 'load' \(Base\.load\) without @step, so it is no longer a step "
        r"\(decorate Sub\.load with @step, with the options Base\.load had, "
        r"or rename the parameter\)$",
    ):
        build(Sub)


def test_a_step_read_by_type_mentions_the_lost_step():
    class Typed(Workflow):
        @step
        def load(self) -> list[int]:
            return [1]

        @step
        def train(self, data: list[int]) -> int:
            return len(data)

    class Sub(Typed):
        load = None

    with pytest.raises(
        GraphError,
        match=r"no producer for parameter 'data' .*note: Sub\.load overrides step 'load' "
        r"\(Typed\.load\) without @step",
    ):
        build(Sub)


def test_graph_outputs_and_conditions_naming_a_lost_step():
    class Graph(Base):
        def graph(self):  # noqa: ANN202
            return self.train(self.load())

    class SubGraph(Graph):
        def load(self) -> list[int]:
            return []

    with pytest.raises(GraphError, match=r"graph\(\) calls 'load', but SubGraph\.load overrides"):
        build(SubGraph)

    class Outputs(Base):
        outputs = ["load", "train"]

    class SubOutputs(Outputs):
        def load(self) -> list[int]:
            return []

        @step
        def train(self) -> int:
            return 0

    with pytest.raises(GraphError, match=r"outputs names 'load', which is not a step: SubOutputs"):
        build(SubOutputs)

    class When(Base):
        @step(when="load")
        def report(self) -> None:
            return None

    class SubWhen(When):
        def load(self) -> list[int]:
            return []

        @step
        def train(self) -> int:
            return 0

    with pytest.raises(GraphError, match=r"when='load' names 'load'.*: SubWhen\.load overrides"):
        build(SubWhen)


def test_a_step_restored_with_step_is_a_step_again_and_removal_still_works():
    class Sub(Base):
        def load(self) -> list[int]:
            return [2]

        @step
        def train(self, load: list[int] | None = None) -> int:
            return 0

    assert [n.name for n in build(Sub).ir.nodes] == ["train"]
    assert set(Sub.lost_steps()) == {"load"}

    class Again(Sub):
        @step
        def load(self) -> list[int]:
            return [3]

    assert Again.lost_steps() == {}
    assert {n.name for n in build(Again).ir.nodes} == {"load", "train"}


class Outputs(Workflow):
    outputs = ["b"]

    @step
    def a(self) -> int:
        return 1

    @step
    def b(self, a: int) -> int:
        return a

    @step
    def c(self, a: int) -> int:
        return a


def test_the_last_step_is_never_unconsumed_even_when_outputs_are_declared():
    assert build(Outputs).warnings == ()

    class More(Outputs):
        outputs = ["c"]

    (warning,) = build(More).warnings
    assert warning.startswith("step 'b' returns a value that no step consumes")


def test_graph_return_and_class_outputs_both_count_as_declared():
    class Both(Workflow):
        outputs = ["b"]

        @step
        def a(self) -> int:
            return 1

        @step
        def b(self, a: int) -> int:
            return a

        @step
        def c(self, a: int) -> int:
            return a

        def graph(self):  # noqa: ANN202
            a = self.a()
            c = self.c(a)
            self.b(a)
            return c

    result = build(Both)
    assert result.warnings == ()
    assert result.ir.outputs == ("b",)
