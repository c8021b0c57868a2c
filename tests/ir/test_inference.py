"""Signature inference: each binding rule and each error, with its message."""

from __future__ import annotations

from typing import Any, Optional, Union

import pytest

from axl import Param, Workflow, step
from axl.errors import GraphError
from axl.ir import build


def edges(cls: type[Workflow]) -> set[tuple[str, str, str | None]]:
    return {(e.source, e.target, e.arg) for e in build(cls).ir.edges}


class Model:
    pass


class FancyModel(Model):
    pass


def test_seed_example_infers_the_chain():
    from examples.iris_knn import IrisKNN

    assert edges(IrisKNN) == {
        ("load_data", "split", "data"),
        ("split", "train", "split"),
        ("train", "evaluate", "trained"),
    }


def test_name_of_a_step_binds_even_with_other_candidates():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        @step
        def b(self) -> int:
            return 2

        @step
        def c(self, a: int) -> int:
            return a

    assert edges(W) == {("a", "c", "a")}


def test_declared_param_binds_by_name():
    class W(Workflow):
        k = Param(3)

        @step
        def a(self, k: int) -> int:
            return k

    ir = build(W).ir
    assert ir.get_node("a").inputs[0].source == "param"
    assert ir.get_node("a").inputs[0].ref == "k"
    assert ir.edges == ()


def test_parameter_with_default_may_stay_unbound():
    class W(Workflow):
        @step
        def a(self) -> str:
            return "x"

        @step
        def b(self, a: str, threshold: float = 0.5) -> float:
            return threshold

    ir = build(W).ir
    assert [i.name for i in ir.get_node("b").inputs] == ["a"]


@pytest.mark.parametrize(
    ("param_ann", "returns", "ok"),
    [
        (Any, int, True),
        (None, int, True),  # unannotated
        (int, Any, True),
        (list[int], list[int], True),
        (list[int], list[str], False),
        (list, list[int], True),
        (dict, dict[str, int], True),
        (dict[str, int], dict, True),
        (tuple[int, str], tuple[int, str], True),
        (tuple[int, str], tuple[int, str, str], False),
        (tuple[int, ...], tuple[int, int], True),
        (Optional[int], int, True),
        (Union[int, str], str, True),
        (int | None, str, False),
        (int, Union[int, str], False),
        (Model, FancyModel, True),
        (FancyModel, Model, False),
        (float, int, True),
        (str, int, False),
    ],
)
def test_compatibility_rules(param_ann, returns, ok):
    ns: dict[str, Any] = {}

    def producer(self):  # noqa: ANN001
        return None

    producer.__annotations__ = {"return": returns}

    def consumer(self, value):  # noqa: ANN001
        return value

    if param_ann is not None:
        consumer.__annotations__ = {"value": param_ann}
    ns["producer"] = step(producer)
    ns["consumer"] = step(consumer)
    W = type("W", (Workflow,), ns)
    if ok:
        assert edges(W) == {("producer", "consumer", "value")}
    else:
        with pytest.raises(GraphError, match="no producer for parameter 'value'"):
            build(W)


def test_best_fit_wins_over_loose_fit():
    class W(Workflow):
        @step
        def anything(self) -> Any:
            return 1

        @step
        def number(self) -> int:
            return 2

        @step
        def use(self, value: int) -> int:
            return value

    assert ("number", "use", "value") in edges(W)


def test_ambiguity_lists_candidates_and_says_how_to_fix():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        @step
        def b(self) -> int:
            return 2

        @step
        def c(self, value: int) -> int:
            return value

    with pytest.raises(
        GraphError,
        match=r"step 'c': parameter 'value' \(int\) matches several steps equally well: "
        r"a \(-> int\), b \(-> int\)",
    ) as info:
        build(W)
    assert "rename the parameter" in info.value.hint
    assert info.value.context["candidates"] == ["a", "b"]


def test_no_producer_names_step_parameter_and_what_was_found():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        @step
        def b(self, text: str) -> str:
            return text

    with pytest.raises(
        GraphError,
        match=r"step 'b': no producer for parameter 'text' \(str\): no earlier step returns "
        r"a compatible type \(earlier steps: a -> int\)",
    ):
        build(W)


def test_first_step_with_a_parameter_has_no_producer():
    class W(Workflow):
        @step
        def a(self, x) -> int:  # noqa: ANN001
            return 1

    with pytest.raises(GraphError, match="no step is defined before it"):
        build(W)


def test_only_earlier_steps_are_candidates():
    class W(Workflow):
        @step
        def a(self, later: int) -> int:  # 'later' is not a step name
            return later

        @step
        def b(self) -> int:
            return 1

    with pytest.raises(GraphError, match="no producer for parameter 'later'"):
        build(W)


def test_incompatible_annotation_by_name():
    class W(Workflow):
        @step
        def train(self) -> int:
            return 1

        @step
        def evaluate(self, train: str) -> str:
            return train

    with pytest.raises(
        GraphError,
        match=r"step 'evaluate': parameter 'train' expects str but step 'train' \(bound by name\) "
        r"returns int: incompatible annotation",
    ):
        build(W)


def test_cycle_is_printed():
    class W(Workflow):
        @step
        def a(self, c: int) -> int:
            return c

        @step
        def b(self, a: int) -> int:
            return a

        @step
        def c(self, b: int) -> int:
            return b

    with pytest.raises(GraphError, match=r"has a cycle: a -> b -> c -> a"):
        build(W)


def test_self_loop_is_a_cycle():
    class W(Workflow):
        @step
        def a(self, a: int) -> int:
            return a

    with pytest.raises(GraphError, match=r"a cycle: a -> a"):
        build(W)


def test_reading_a_none_step_by_name_is_an_error():
    class W(Workflow):
        @step
        def setup(self) -> None:
            return None

        @step
        def use(self, setup: int) -> int:
            return setup

    with pytest.raises(GraphError, match="which returns None"):
        build(W)


def test_none_steps_are_not_type_candidates():
    class W(Workflow):
        @step
        def data(self) -> int:
            return 1

        @step
        def log(self) -> None:
            return None

        @step
        def use(self, value) -> int:  # noqa: ANN001
            return value

    assert ("data", "use", "value") in edges(W)


def test_unconsumed_step_warns_but_last_step_does_not():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        @step
        def orphan(self) -> int:
            return 2

        @step
        def c(self, a: int) -> int:
            return a

    result = build(W)
    assert len(result.warnings) == 1
    assert "step 'orphan' returns a value that no step consumes" in result.warnings[0]


def test_declared_outputs_silence_the_warning():
    class W(Workflow):
        outputs = ["orphan", "c"]

        @step
        def a(self) -> int:
            return 1

        @step
        def orphan(self) -> int:
            return 2

        @step
        def c(self, a: int) -> int:
            return a

    result = build(W)
    assert result.warnings == ()
    assert result.ir.outputs == ("orphan", "c")


def test_string_annotations_are_resolved():
    class W(Workflow):
        @step
        def a(self) -> list[int]:
            return [1]

        @step
        def b(self, values: list[int]) -> int:
            return sum(values)

    assert edges(W) == {("a", "b", "values")}


def test_unresolvable_annotation_is_a_definition_error():
    from axl.errors import WorkflowDefinitionError

    class W(Workflow):
        @step
        def a(self) -> NoSuchType:  # noqa: F821
            return 1

    with pytest.raises(WorkflowDefinitionError, match="step 'a': cannot resolve its annotations"):
        build(W)


def test_condition_on_a_step_adds_an_ordering_edge():
    class W(Workflow):
        @step
        def score(self) -> float:
            return 0.95

        @step
        def data(self) -> int:
            return 1

        @step(when="score > 0.9")
        def deploy(self, data: int) -> int:
            return data

    ir = build(W).ir
    assert ("score", "deploy", None) in {(e.source, e.target, e.arg) for e in ir.edges}
    assert ir.get_node("deploy").when.source == "step"
    assert build(W).warnings == ()


def test_condition_on_unknown_name_is_an_error():
    class W(Workflow):
        @step(when="nothing == 1")
        def a(self) -> int:
            return 1

    with pytest.raises(
        GraphError, match="names 'nothing', which is neither a step nor a declared param"
    ):
        build(W)
