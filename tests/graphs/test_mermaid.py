"""Mermaid text: golden files, the subset parser, Mermaid's own parser when installed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from axl.graphs import to_mermaid
from axl.graphs.mermaid import escape
from axl.graphs.model import graph_of
from tests.graphs.cases import CASES, GOLDEN, HOSTILE, IDS, golden_path, ir_named, ir_of
from tests.graphs.mermaid_subset import MermaidSyntaxError, decode, parse

CHECKER = Path(__file__).parent / "mermaid_check"


@pytest.mark.parametrize(("stem", "target"), CASES, ids=IDS)
def test_golden(stem, target, golden):
    golden.check(golden_path(stem, ".mmd"), to_mermaid(graph_of(ir_of(target))))


def test_no_stale_golden_files():
    assert sorted(p.stem for p in GOLDEN.glob("*.mmd")) == sorted(IDS)


@pytest.mark.parametrize(("stem", "target"), CASES, ids=IDS)
def test_parses_and_shows_every_step_and_edge(stem, target):
    ir = ir_of(target)
    graph = graph_of(ir)
    chart = parse(to_mermaid(graph))
    shown = {node_id: lines for node_id, (_shape, lines) in chart.nodes.items()}
    for node in graph.steps:
        assert chart.nodes[node.id][0] == "step"
        assert shown[node.id][:2] == [node.title, node.detail]
    assert [chart.nodes[n.id][0] for n in graph.params] == ["param"] * len(graph.params)
    if graph.params:
        assert chart.groups == {"axl_params": [n.id for n in graph.params]}
    assert len(chart.edges) == len(graph.edges)
    conditional = {n.name for n in ir.nodes if n.when is not None}
    assert {shown[i][0] for i in chart.classes.get("conditional", [])} == conditional


def test_badges_in_the_text():
    chart = parse(to_mermaid(graph_of(ir_of("tests/graphs/workflows.py:Odd"))))
    lines = {lines[0]: lines for _shape, lines in chart.nodes.values()}
    assert lines["prétraiter"][2] == "[cache]"
    assert lines["数据"][2] == "[retries 3] [image registry.example.com/ml@sha256:0123456789ab]"
    assert lines["report"][2] == "[when publish]"
    assert lines["label: str"] == ["label: str", "= '<b>\"#1\"</b> & `x` [y] {z} 5%'"]
    assert ("p_publish", "when", "s_report", "when") in chart.edges


def test_hostile_names_round_trip():
    graph = graph_of(ir_named(*HOSTILE))
    chart = parse(to_mermaid(graph))
    titles = [chart.nodes[n.id][1][0] for n in graph.steps]
    assert titles == [name.replace("\n", " ") for name in HOSTILE]


@pytest.mark.parametrize("text", ['"', "#", "<br/>", "`", "%%", "a&b;", "#quot;"])
def test_escape_round_trips(text):
    assert decode(escape(text), 1) == [text]


@pytest.mark.parametrize(
    "text",
    [
        'flowchart TD\n    a("x"y")\n',  # a raw quote
        'flowchart TD\n    a("<b>")\n',  # raw HTML
        'flowchart TD\n    a("#1")\n',  # a # that starts no entity
        'flowchart TD\n    end("x")\n',  # a keyword as id
        'flowchart TD\n    a("x")\n    a --> b\n',  # an edge to nothing
        'flowchart TD\n    subgraph g["p"]\n        a("x")\n',  # unclosed
        "flowchart XY\n",
    ],
)
def test_subset_parser_rejects(text):
    with pytest.raises(MermaidSyntaxError):
        parse(text)


def test_direction_lr():
    text = to_mermaid(graph_of(ir_of("examples/quickstart.py:Hello")), "LR")
    assert parse(text).direction == "LR"


def _mermaid_checker() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (Debian: apt-get install nodejs npm)")
    if not (CHECKER / "node_modules" / "mermaid").is_dir():
        pytest.skip(f"Mermaid's parser is not installed: npm install --prefix {CHECKER}")
    return node


def test_mermaid_parses_in_mermaid():
    """Mermaid's own parser (the npm package, under jsdom) accepts every golden file."""
    node = _mermaid_checker()
    texts = [to_mermaid(graph_of(ir_of(target))) for _, target in CASES]
    texts.append(to_mermaid(graph_of(ir_named(*HOSTILE)), "LR"))
    done = subprocess.run(
        [node, str(CHECKER / "check.mjs")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results == [{"ok": True, "type": "flowchart-v2"}] * len(texts), results


def test_mermaid_checker_rejects_bad_text():
    node = _mermaid_checker()
    done = subprocess.run(
        [node, str(CHECKER / "check.mjs")],
        input=json.dumps(['flowchart TD\n    a("x"y")\n']),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    [result] = json.loads(done.stdout)
    assert result["ok"] is False
