"""``null`` is ``None`` for a param that may be None: locally, from flags, and in Argo pods."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from axl import Param, Workflow, step
from axl.compiler.argo import ArgoOptions, compile
from axl.dsl.params import merge_cli_params
from axl.errors import ParamsError
from axl.io.artifacts import read_artifact
from axl.ir import build
from axl.runtime.runner import register_workflow_class
from tests.argo.pods import run_document


class Nullable(Workflow):
    name = "nullable"
    unset = Param(None, type=str)  # the default is None
    union: str | None = Param("a")  # the annotation is optional (a string here: __future__)
    legacy: Optional[str] = Param("b")  # noqa: UP045 - the spelling users still write
    typed = Param("c", type=str | None)  # the declared type is optional
    plain = Param("d", type=str)

    @step
    def show(self) -> list[str | None]:
        return [self.unset, self.union, self.legacy, self.typed, self.plain]


def from_flags(*pairs: str) -> Nullable:
    return Nullable(merge_cli_params(None, list(pairs)))


@pytest.mark.parametrize("name", ["unset", "union", "legacy"])
def test_null_from_a_flag_is_none_when_the_param_may_be_none(name: str):
    assert from_flags(f"{name}=null").params[name] is None
    assert Nullable({name: None}).params[name] is None


def test_an_optional_declared_type_converts_like_its_member_and_takes_null():
    wf = from_flags("union=7", "typed=8", "unset=x")
    assert (wf.union, wf.typed, wf.unset) == ("7", "8", "x")
    assert from_flags("typed=null").typed is None
    with pytest.raises(ParamsError, match=r"param 'plain' expects str, got None"):
        from_flags("plain=null")


def test_a_required_optional_param_accepts_null():
    class Required(Workflow):
        value = Param(type=int | None)

        @step
        def a(self) -> int:
            return 1

    assert Required(merge_cli_params(None, ["value=null"])).params["value"] is None
    assert Required({"value": "3"}).params["value"] == 3


def test_every_argo_pod_gets_none_for_a_none_default(tmp_path: Path):
    ir = build(Nullable).ir
    register_workflow_class(ir.ref, Nullable)
    doc = compile(ir, ArgoOptions())
    values = {p["name"]: p.get("value") for p in doc["spec"]["arguments"]["parameters"]}
    assert values["unset"] == "null"
    run = run_document(doc, tmp_path)
    assert run.phases == {"show": "Succeeded"}
    (path,) = [p for p in run.output_dir("show").iterdir() if not p.name.endswith(".meta.json")]
    assert read_artifact(path) == [None, "a", "b", "c", "d"]


def test_argo_submit_null_for_an_optional_param(tmp_path: Path):
    ir = build(Nullable).ir
    register_workflow_class(ir.ref, Nullable)
    run = run_document(compile(ir, ArgoOptions()), tmp_path, {"union": "null", "unset": "x"})
    assert run.phases == {"show": "Succeeded"}
    (path,) = [p for p in run.output_dir("show").iterdir() if not p.name.endswith(".meta.json")]
    assert read_artifact(path) == ["x", None, "b", "c", "d"]
