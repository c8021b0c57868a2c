"""``ArgoOptions.workflow_ref``: the pods import the workflow under another module name."""

from __future__ import annotations

import pytest

from axl.compiler.argo import ArgoCodeArchive, ArgoOptions, ArgoOptionsError, compile
from axl.compiler.argo.checks import lint
from tests.argo.helpers import Diamond, ir_of, runner_call, templates


def test_the_manifests_and_the_annotation_name_the_given_ref_the_hash_stays():
    ir = ir_of(Diamond)
    plain = compile(ir)
    options = ArgoOptions(
        workflow_ref="flows.diamond:Diamond",
        code_archive=ArgoCodeArchive(key="code/code-0123456789abcdef.tar.gz"),
    )
    doc = compile(ir, options)
    assert doc["metadata"]["annotations"] == {
        "axl.dev/ir-hash": ir.compute_hash(),
        "axl.dev/ref": "flows.diamond:Diamond",
    }
    assert doc["metadata"]["labels"] == plain["metadata"]["labels"]
    for name in "abcd":
        _, manifest = runner_call(templates(doc)[name])
        assert manifest.workflow == "flows.diamond:Diamond"
        assert manifest.code is not None and manifest.code.path == "/axl/code/code.tar.gz"
    assert lint(doc) == []


def test_without_it_the_irs_own_ref():
    ir = ir_of(Diamond)
    _, manifest = runner_call(templates(compile(ir))["d"])
    assert manifest.workflow == ir.ref


@pytest.mark.parametrize("ref", ["flows.diamond", "flows/diamond.py:Diamond", ":Diamond", "a:1b"])
def test_a_ref_that_is_not_module_colon_class_is_refused(ref):
    with pytest.raises(ArgoOptionsError, match=r"workflow_ref .* is not a module:Class reference"):
        ArgoOptions(workflow_ref=ref)
