"""Workflow parameters: declaration, CLI parsing, validation, the pydantic model form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from axl import Param, Workflow, step
from axl.dsl.params import load_params_file, merge_cli_params, parse_param_value
from axl.errors import ParamsError, WorkflowDefinitionError
from axl.ir import build


class Declared(Workflow):
    k = Param(5, help="neighbours")
    rate: float = Param(0.1)
    mode = Param("fast", choices=["fast", "slow"])
    token = Param(type=str)

    @step
    def a(self) -> int:
        return self.k


def test_params_are_exposed_typed_and_defaulted():
    wf = Declared({"k": "7", "token": "t"})
    assert wf.params["k"] == 7
    assert wf.params.rate == 0.1
    assert wf.k == 7
    assert dict(wf.params) == {"k": 7, "rate": 0.1, "mode": "fast", "token": "t"}


@pytest.mark.parametrize(
    ("given", "pattern"),
    [
        ({}, r"missing required param 'token'"),
        ({"token": "t", "k": "seven"}, r"param 'k' expects int, got 'seven'"),
        ({"token": "t", "extra": 1}, r"unknown param\(s\) extra"),
        (
            {"token": "t", "mode": "medium"},
            r"param 'mode'='medium' is not one of \['fast', 'slow'\]",
        ),
        ({"token": "t", "k": True}, r"param 'k' expects int"),
    ],
)
def test_param_errors(given, pattern):
    with pytest.raises(ParamsError, match=pattern):
        Declared(given)


def test_params_in_the_ir():
    ir = build(Declared).ir
    assert [(p.name, p.type, p.default, p.required) for p in ir.params] == [
        ("k", "int", 5, False),
        ("rate", "float", 0.1, False),
        ("mode", "str", "fast", False),
        ("token", "str", None, True),
    ]
    assert ir.open_params is False


class ModelParams(BaseModel):
    n: int = Field(3, gt=0)
    name: str = "x"


class WithModel(Workflow):
    Params = ModelParams

    @step
    def a(self) -> int:
        return self.params.n


def test_pydantic_model_validates_params():
    wf = WithModel({"n": "4"})
    assert wf.params["n"] == 4
    assert isinstance(wf.params.model, ModelParams)
    with pytest.raises(ParamsError, match=r"param n: Input should be greater than 0"):
        WithModel({"n": 0})
    assert [p.name for p in build(WithModel).ir.params] == ["n", "name"]


def test_params_must_be_a_model():
    with pytest.raises(WorkflowDefinitionError, match="'Params' must be a pydantic BaseModel"):

        class Bad(Workflow):
            Params = dict


def test_undeclared_params_are_open():
    class Open(Workflow):
        @step
        def a(self) -> int:
            return 1

    assert dict(Open({"anything": 1}).params) == {"anything": 1}


def test_cli_values_and_files(tmp_path: Path):
    assert parse_param_value("3") == 3
    assert parse_param_value("0.5") == 0.5
    assert parse_param_value("true") is True
    assert parse_param_value("hello world") == "hello world"
    assert parse_param_value("[1, 2]") == [1, 2]
    assert parse_param_value("") == ""
    assert parse_param_value("yes") == "yes"
    assert parse_param_value('{"a": 1}') == {"a": 1}
    yml = tmp_path / "p.yaml"
    yml.write_text("k: 9\nmode: slow\n")
    assert merge_cli_params(yml, ["k=11", "token=abc"]) == {"k": 11, "mode": "slow", "token": "abc"}
    js = tmp_path / "p.json"
    js.write_text('{"k": 2}')
    assert load_params_file(js) == {"k": 2}


@pytest.mark.parametrize(
    ("content", "pattern"),
    [("- 1\n- 2\n", "must hold a mapping"), ("k: [1,\n", r"p.yaml:\d+ is not valid YAML")],
)
def test_bad_params_files(tmp_path: Path, content, pattern):
    path = tmp_path / "p.yaml"
    path.write_text(content)
    with pytest.raises(ParamsError, match=pattern):
        load_params_file(path)


def test_missing_params_file_and_bad_flag(tmp_path: Path):
    with pytest.raises(ParamsError, match="cannot read params file"):
        load_params_file(tmp_path / "absent.yaml")
    with pytest.raises(ParamsError, match="is not key=value"):
        merge_cli_params(None, ["novalue"])


@pytest.mark.parametrize("given, shown", [(str, "str"), (int, "int"), (list[int], "list[int]")])
def test_a_type_given_as_the_default_is_refused(given: object, shown: str) -> None:
    with pytest.raises(
        WorkflowDefinitionError, match=rf"Param\({re.escape(shown)}\) makes the type"
    ):
        Param(given)
    assert Param(type=given).required
