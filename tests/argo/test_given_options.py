"""Options a deployment passes in (name, param defaults) and the Kubernetes name of each field."""

from __future__ import annotations

import pytest

from axl.compiler.argo import ArgoOptions, ArgoOptionsError, compile
from axl.naming import is_dns_label, is_dns_subdomain, is_name
from tests.argo.helpers import Diamond, ir_of


def test_name_names_the_template_and_prefixes_a_workflow() -> None:
    ir = ir_of(Diamond)

    template = compile(ir, ArgoOptions(kind="workflow-template", name="diamond-prod"))
    workflow = compile(ir, ArgoOptions(name="diamond-prod"))

    assert template["metadata"]["name"] == "diamond-prod"
    assert workflow["metadata"]["generateName"] == "diamond-prod-"
    # The workflow's identity stays its own.
    assert template["metadata"]["labels"]["axl.dev/workflow"] == "diamond"
    assert template["metadata"]["annotations"]["axl.dev/ir-hash"] == ir.compute_hash()
    assert template["metadata"]["labels"]["axl.dev/hash"] == ir.short_hash()


def test_params_replace_the_declared_defaults_as_wire_text() -> None:
    ir = ir_of(Diamond)

    plain = compile(ir, ArgoOptions())
    given = compile(ir, ArgoOptions(params={"k": 7}))

    assert [(p["name"], p["value"]) for p in given["spec"]["arguments"]["parameters"]] == [
        ("k", "7")
    ]
    assert {k: v for k, v in given["spec"].items() if k != "arguments"} == {
        k: v for k, v in plain["spec"].items() if k != "arguments"
    }
    assert compile(ir, ArgoOptions(params={})) == plain


def test_an_unknown_param_names_the_workflows_params() -> None:
    with pytest.raises(
        ArgoOptionsError, match=r"^workflow 'diamond' has no param\(s\) nope \(its params: k\)$"
    ):
        compile(ir_of(Diamond), ArgoOptions(params={"nope": 1}))


def test_options_params_cannot_be_changed_afterwards() -> None:
    given = {"k": 7}
    options = ArgoOptions(params=given)
    given["k"] = 8

    assert options.params == {"k": 7}
    with pytest.raises(TypeError):
        options.params["k"] = 9  # type: ignore[index]


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("namespace", "ml-team", True),
        ("namespace", "1team", True),
        ("namespace", "ml.team", False),
        ("namespace", "x" * 64, False),
        ("service_account", "runner.bot", True),
        ("service_account", "a..b", False),
        ("pvc_storage_class", "x" * 253, True),
        ("pvc_storage_class", "x" * 254, False),
        ("name", "diamond.v2", True),
        ("name", "x" * 64, False),
        ("name", "Diamond", False),
    ],
)
def test_each_field_takes_the_kubernetes_name_its_object_has(
    field: str, value: str, ok: bool
) -> None:
    if ok:
        assert getattr(ArgoOptions(**{field: value}), field) == value  # type: ignore[arg-type]
    else:
        with pytest.raises(ArgoOptionsError, match=rf"{value!r} is not a valid"):
            ArgoOptions(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "label", "subdomain", "axl"),
    [
        ("abc", True, True, True),
        ("1abc", True, True, False),
        ("a.b", False, True, False),
        ("a-", False, False, False),
        ("A", False, False, False),
        ("x" * 64, False, True, False),
    ],
)
def test_the_three_name_shapes(name: str, label: bool, subdomain: bool, axl: bool) -> None:
    assert (is_dns_label(name), is_dns_subdomain(name), is_name(name)) == (label, subdomain, axl)
