"""Explicit graph(): symbolic step calls, params-as-step, literals and errors."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from axl import OutputRef, Param, Workflow, step
from axl.errors import GraphError
from axl.ir import build


def test_churn_example_is_a_diamond_with_a_params_step():
    from examples.churn_workflow import ChurnWorkflow

    ir = build(ChurnWorkflow).ir
    got = {(e.source, e.target, e.arg) for e in ir.edges}
    assert got == {
        ("params", "load", "params"),
        ("load", "usage_features", "customers"),
        ("load", "billing_features", "customers"),
        ("usage_features", "score", "usage"),
        ("billing_features", "score", "billing"),
        ("params", "score", "params"),
    }
    assert ir.outputs == ("score",)
    assert ir.topological_order()[0] == "params"


def test_graph_overrides_signature_inference():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        @step
        def b(self) -> int:
            return 2

        @step
        def total(self, x: int, y: int) -> int:
            return x + y

        def graph(self):
            return self.total(self.b(), y=self.a())

    ir = build(W).ir
    assert {(e.source, e.target, e.arg) for e in ir.edges} == {
        ("b", "total", "x"),
        ("a", "total", "y"),
    }
    assert [n.name for n in ir.nodes] == ["a", "b", "total"]


def test_params_and_literals_are_bound():
    class W(Workflow):
        k = Param(3)

        @step
        def a(self, k: int, scale: float, label: str = "x") -> float:
            return k * scale

        def graph(self):
            return self.a(self.params.k, 2.5)

    node = build(W).ir.get_node("a")
    assert [(i.name, i.source, i.ref, i.value) for i in node.inputs] == [
        ("k", "param", "k", None),
        ("scale", "value", None, 2.5),
    ]


class Settings(BaseModel):
    n: int = 2


def test_a_step_named_params_returning_a_model():
    class W(Workflow):
        @step
        def params(self) -> Settings:
            return Settings(**self.params)

        @step
        def double(self, settings: Settings) -> int:
            return settings.n * 2

        def graph(self):
            return self.double(self.params())

    ir = build(W).ir
    assert {(e.source, e.target) for e in ir.edges} == {("params", "double")}


def test_unused_step_is_reported_and_left_out():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        @step
        def unused(self) -> int:
            return 2

        def graph(self):
            self.a()

    result = build(W)
    assert [n.name for n in result.ir.nodes] == ["a"]
    assert result.warnings == (
        "step 'unused' is defined but graph() never calls it, so it will not run",
    )


def test_calling_a_step_twice_is_an_error():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        def graph(self):
            self.a()
            self.a()

    with pytest.raises(GraphError, match="graph\\(\\) calls step 'a' twice"):
        build(W)


def test_missing_argument_is_an_error():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        @step
        def b(self, x: int, y: int) -> int:
            return x + y

        def graph(self):
            self.b(self.a())

    with pytest.raises(GraphError, match="calls step 'b' without its parameter 'y'"):
        build(W)


def test_symbolic_values_refuse_python_logic():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        def graph(self):
            if self.a():
                pass

    with pytest.raises(GraphError, match="symbolic inside graph\\(\\).*use @step\\(when=...\\)"):
        build(W)


def test_non_literal_argument_is_an_error():
    class W(Workflow):
        @step
        def a(self, x: object) -> int:
            return 1

        def graph(self):
            self.a(object())

    with pytest.raises(GraphError, match="passes a object to step 'a' parameter 'x'"):
        build(W)


def test_undeclared_param_is_an_error_when_params_are_declared():
    class W(Workflow):
        k = Param(1)

        @step
        def a(self, x: int) -> int:
            return x

        def graph(self):
            self.a(self.params.nope)

    with pytest.raises(GraphError, match="reads param 'nope', which is not declared"):
        build(W)


def test_user_exception_inside_graph_is_wrapped():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        def graph(self):
            raise ValueError("boom")

    with pytest.raises(GraphError, match="graph\\(\\) raised ValueError: boom"):
        build(W)


def test_graph_may_return_several_outputs():
    class W(Workflow):
        @step
        def a(self) -> int:
            return 1

        @step
        def b(self) -> int:
            return 2

        def graph(self) -> dict[str, OutputRef]:
            return {"first": self.a(), "second": self.b()}

    assert build(W).ir.outputs == ("a", "b")
