"""The IR models as data: strict loading, float normalising, copies, and no pydantic import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from axl.dataclass_json import DataError
from axl.dsl.loader import load_target
from axl.ir import IRNode, IROutput, IRRetry, IRWorkflow, build

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def churn() -> IRWorkflow:
    return build(load_target(str(ROOT / "examples" / "churn_workflow.py")).cls).ir


def _edited(ir: IRWorkflow, edit) -> str:
    data = json.loads(ir.to_json())
    edit(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(colour="red"), r"IRWorkflow: unknown field 'colour'"),
        (lambda d: d.pop("nodes"), r"IRWorkflow: missing field 'nodes'"),
        (lambda d: d["nodes"][1].update(cache="yes"), r"nodes\[1\]\.cache: expected bool"),
        (lambda d: d["nodes"][0].update(name=3), r"nodes\[0\]\.name: expected str, got int"),
        (lambda d: d["nodes"][0].update(inputs={}), r"nodes\[0\]\.inputs: expected a list"),
        (
            lambda d: d["nodes"][2]["inputs"][0].update(source="elsewhere"),
            r"nodes\[2\]\.inputs\[0\]\.source: expected one of \['step', 'param', 'value'\]",
        ),
        (lambda d: d["nodes"][0].update(output=None), r"nodes\[0\]\.output: expected an object"),
        (lambda d: d.update(ir_version=True), r"ir_version: expected int, got a boolean"),
        (
            lambda d: d["edges"].append({"source": "load", "target": "nowhere", "arg": None}),
            r"edge names unknown step 'nowhere'",
        ),
    ],
)
def test_loading_refuses_what_is_not_an_ir(churn, edit, message):
    with pytest.raises(DataError, match=message):
        IRWorkflow.from_json(_edited(churn, edit))


def test_not_json_is_an_ir_data_error():
    with pytest.raises(DataError, match="not JSON"):
        IRWorkflow.from_json("{nodes")


def test_whole_numbers_for_float_fields_hash_like_floats(churn):
    assert IRRetry(count=2, backoff=5).to_dict() == {
        "count": 2,
        "backoff": 5.0,
        "factor": 2,
        "max_backoff": None,
    }
    node = churn.nodes[0]
    as_int = IRNode(**{**_fields(node), "timeout": 30})
    as_float = IRNode(**{**_fields(node), "timeout": 30.0})
    assert as_int == as_float
    first = churn.replace(nodes=(as_int, *churn.nodes[1:]))
    second = churn.replace(nodes=(as_float, *churn.nodes[1:]))
    assert first.to_json() == second.to_json()
    assert '"timeout":30.0' in first.to_json()
    loaded = json.loads(first.to_json())
    loaded["nodes"][0]["timeout"] = 30
    assert IRWorkflow.from_json(json.dumps(loaded)).compute_hash() == first.compute_hash()


def _fields(node: IRNode) -> dict:
    return {name: getattr(node, name) for name in node.to_dict()}


def test_replace_rebuilds_lookups_and_hash(churn):
    renamed = churn.replace(name="other")
    assert renamed.compute_hash() != churn.compute_hash()
    assert renamed.upstream("score") == churn.upstream("score")
    extra = IRNode(name="extra", output=IROutput(handler="pickle", ext="pkl"), code_digest="x")
    grown = churn.replace(nodes=(*churn.nodes, extra))
    assert grown.get_node("extra") is extra
    assert not churn.has_node("extra")
    assert churn.replace() == churn  # equality ignores the derived tables and the cached hash


def test_models_are_frozen(churn):
    with pytest.raises(AttributeError):
        churn.nodes[0].cache = True  # type: ignore[misc]


def test_building_and_validating_do_not_import_pydantic(tmp_path):
    (tmp_path / "quickstart.py").write_text((ROOT / "examples" / "quickstart.py").read_text())
    probe = (
        "import sys\n"
        "from axl.cli.app import main\n"
        "sys.argv = ['axl', 'validate', '-m', 'quickstart.py', '--json']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert stop.code in (0, None), stop.code\n"
        "print('pydantic' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout)["ok"] is True
    assert out.stderr.strip().splitlines()[-1] == "False"
