"""The node/edge model built from the IR: what each step and param shows, ids, edges."""

from __future__ import annotations

import re

import pytest

from axl.graphs.model import Badge, Edge, graph_of, short_image, value_text
from tests.graphs.cases import CASES, HOSTILE, IDS, ir_named, ir_of, missing_examples

SAFE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def test_every_example_is_drawn_by_the_tests():
    assert not missing_examples(), f"add a graph case for {', '.join(missing_examples())}"


def test_quickstart_nodes_and_edges():
    graph = graph_of(ir_of("examples/quickstart.py:Hello"))
    assert graph.name == "hello"
    assert [(n.id, n.title, n.detail, n.badges) for n in graph.steps] == [
        ("s_names", "names", "pickle · list[str]", ()),
        ("s_greet", "greet", "pickle · dict[str, str]", (Badge("retries", "retries 2"),)),
        ("s_report", "report", "pickle · int", ()),
    ]
    [param] = graph.params
    assert (param.id, param.kind, param.title, param.detail) == (
        "p_greeting",
        "param",
        "greeting: str",
        "= 'hello'",
    )
    # greet reads self.greeting in its body: the IR cannot see it, so no edge is drawn.
    assert graph.edges == (
        Edge("s_names", "s_greet", "data", None),
        Edge("s_greet", "s_report", "data", "greetings"),
    )


def test_badges_params_and_edges_of_every_kind():
    graph = graph_of(ir_of("tests/graphs/workflows.py:Odd"))
    steps = {n.title: n for n in graph.steps}
    assert steps["prétraiter"].badges == (Badge("cache", "cache"),)
    assert steps["数据"].badges == (
        Badge("retries", "retries 3"),
        Badge("image", "image registry.example.com/ml@sha256:0123456789ab"),
    )
    assert steps["report"].badges == (Badge("when", "when publish"),)
    assert steps["notify"].badges == (Badge("when", "when gate"),)
    ids = {n.title.split(":")[0]: n.id for n in (*graph.steps, *graph.params)}
    assert set(graph.edges) == {
        Edge(ids["prétraiter"], ids["数据"], "data", None),
        Edge(ids["数据"], ids["report"], "data", None),
        Edge(ids["report"], ids["gate"], "data", None),
        Edge(ids["gate"], ids["notify"], "when", "when"),  # ordering only: the condition
        Edge(ids["threshold"], ids["数据"], "data", None),  # a param bound to an argument
        Edge(ids["label"], ids["report"], "data", None),
        Edge(ids["publish"], ids["report"], "when", "when"),  # a param read by when=
    }
    assert len(graph.edges) == 7


def test_conditions_on_params_become_when_edges():
    graph = graph_of(ir_of("tests/examples_wf/conditions.py:Conditions"))
    when_edges = sorted((e.source, e.target) for e in graph.edges if e.kind == "when")
    assert when_edges == [
        ("p_dry_run", "s_upload"),
        ("p_mode", "s_full_report"),
        ("p_region", "s_regional"),
        ("p_retries", "s_retried"),
    ]
    details = {n.id: n.detail for n in graph.params}
    assert details["p_run_label"] == "required"
    assert details["p_threshold"] == "= 0.8"


def test_given_values_replace_defaults_and_undeclared_params_are_drawn():
    ir = ir_of("tests/graphs/workflows.py:Explicit")
    assert [(n.title, n.detail) for n in graph_of(ir).params] == [("limit", "undeclared")]
    assert [(n.title, n.detail) for n in graph_of(ir, {"limit": 3}).params] == [("limit", "= 3")]
    quick = ir_of("examples/quickstart.py:Hello")
    assert graph_of(quick, {"greeting": "hi"}).params[0].detail == "= 'hi'"


def test_no_params_no_param_nodes():
    assert graph_of(ir_of("tests/graphs/workflows.py:Plain")).params == ()


def test_ids_are_identifiers_unique_and_stable():
    graph = graph_of(ir_named(*HOSTILE, "a_b", "t2_a_b"))
    ids = [n.id for n in graph.steps]
    assert all(SAFE_ID.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    assert ids[HOSTILE.index("end")] == "s_end"  # a Mermaid keyword, made safe by the prefix
    assert ids[-2:] == ["s_a_b", "s_t2_a_b"]  # plain names never take the other names' form
    assert [n.title for n in graph.steps] == [*HOSTILE, "a_b", "t2_a_b"]
    assert graph_of(ir_named(*HOSTILE)) == graph_of(ir_named(*HOSTILE))


@pytest.mark.parametrize(
    ("ref", "shown"),
    [
        ("ghcr.io/org/img:1.2", "ghcr.io/org/img:1.2"),
        ("r.io/img@sha256:" + "ab" * 32, "r.io/img@sha256:abababababab"),
        ("r.io/img:1@sha256:" + "0f" * 32, "r.io/img:1@sha256:0f0f0f0f0f0f"),
        ("odd@nodigest", "odd@nodigest"),
    ],
)
def test_short_image(ref, shown):
    assert short_image(ref) == shown


def test_value_text_is_cut():
    assert value_text("x" * 100) == "'" + "x" * 36 + "..."
    assert len(value_text(list(range(100)))) == 40
    assert value_text(None) == "None"


@pytest.mark.parametrize(("stem", "target"), CASES, ids=IDS)
def test_every_edge_joins_drawn_nodes(stem, target):
    graph = graph_of(ir_of(target))
    ids = {n.id for n in (*graph.steps, *graph.params)}
    assert len(ids) == len(graph.steps) + len(graph.params)
    assert all(e.source in ids and e.target in ids for e in graph.edges)
    step_ids = {n.id for n in graph.steps}
    assert len([e for e in graph.edges if e.source in step_ids]) == len(ir_of(target).edges)
