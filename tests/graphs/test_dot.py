"""DOT text: golden files, and Graphviz's ``dot`` drawing it (SVG parsed, PNG checked)."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from axl.errors import MissingDependencyError
from axl.graphs import render_graph, to_dot
from axl.graphs.dot import quoted
from axl.graphs.model import graph_of
from tests.graphs.cases import CASES, GOLDEN, HOSTILE, IDS, golden_path, ir_named, ir_of

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)"
)


@pytest.mark.parametrize(("stem", "target"), CASES, ids=IDS)
def test_golden(stem, target, golden):
    golden.check(golden_path(stem, ".dot"), to_dot(graph_of(ir_of(target))))


def test_no_stale_golden_files():
    assert sorted(p.stem for p in GOLDEN.glob("*.dot")) == sorted(IDS)


def test_quoted_strings():
    assert quoted('a "b" \\N') == '"a \\"b\\" \\\\N"'
    assert quoted("two\nlines") == '"two lines"'


def _svg_shapes(svg: bytes) -> tuple[dict[str, list[str]], set[str]]:
    """Node id -> the texts drawn in it, and the edges as ``a->b``, from dot's SVG."""
    root = ET.fromstring(svg)
    nodes: dict[str, list[str]] = {}
    edges = set()
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if title is None or title.text is None:
            continue
        texts = [t.text or "" for t in group.iter(f"{SVG}text")]
        if group.get("class") == "node":
            nodes[title.text] = texts
        elif group.get("class") == "edge":
            edges.add(title.text)
    return nodes, edges


@needs_dot
@pytest.mark.parametrize(("stem", "target"), CASES, ids=IDS)
def test_dot_draws_every_node_and_edge(stem, target):
    graph = graph_of(ir_of(target))
    svg = render_graph(ir_of(target), "svg")
    assert isinstance(svg, bytes)
    nodes, edges = _svg_shapes(svg)
    assert set(nodes) == {n.id for n in (*graph.steps, *graph.params)}
    for node in (*graph.steps, *graph.params):
        assert nodes[node.id][:2] == [node.title, node.detail]
        assert nodes[node.id][2:] == [f"[{badge.text}]" for badge in node.badges]
    assert edges == {f"{e.source}->{e.target}" for e in graph.edges}


@needs_dot
def test_hostile_names_are_drawn_as_written():
    svg = render_graph(ir_named(*HOSTILE), "svg", direction="LR")
    nodes, _ = _svg_shapes(svg)
    assert sorted(texts[0] for texts in nodes.values()) == sorted(
        name.replace("\n", " ") for name in HOSTILE
    )


@needs_dot
def test_odd_param_value_is_drawn_as_written():
    nodes, _ = _svg_shapes(render_graph(ir_of("tests/graphs/workflows.py:Odd"), "svg"))
    assert nodes["p_label"] == ["label: str", "= '<b>\"#1\"</b> & `x` [y] {z} 5%'"]


@needs_dot
def test_png():
    png = render_graph(ir_of("examples/quickstart.py:Hello"), "png")
    assert isinstance(png, bytes)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


@needs_dot
def test_dot_accepts_the_text_strictly():
    """``dot -Tcanon`` re-prints what it parsed: every node and edge of ours is in it."""
    text = to_dot(graph_of(ir_of("tests/examples_wf/conditions.py:Conditions")))
    done = subprocess.run(
        ["dot", "-Tcanon"], input=text, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stderr == ""
    assert "s_full_report" in done.stdout
    assert "cluster_params" in done.stdout


def test_svg_without_dot_names_the_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(MissingDependencyError, match=r"apt-get install graphviz") as caught:
        render_graph(ir_of("examples/quickstart.py:Hello"), "svg")
    assert caught.value.exit_code == 4
