"""The lint checks for one Argo release; fields of another release are named as such."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from axl.compiler.argo.lint import ARGO_VERSIONS, check_compiled, lint_document, lint_file
from tests.lint.documents import container, findings, workflow

GOLDEN = sorted((Path(__file__).resolve().parents[1] / "golden" / "argo").glob("*.yaml"))


def _mutex() -> dict:
    return workflow(container("main"), synchronization={"mutex": {"name": "one"}})


def _memoized(cache: dict) -> dict:
    memoize = {"key": "k", "maxAge": "1h", "cache": {"configMap": cache}}
    return workflow(container("main", memoize=memoize))


def test_a_field_argo_4_removed_passes_at_3_7_and_is_named_at_4_1():
    assert lint_document(_mutex(), argo_version="3.7") == []
    assert findings(_mutex(), argo_version="4.1") == [
        (
            "spec.synchronization.mutex",
            "unknown-field",
            "unknown field 'mutex' (did you mean 'mutexes'?) "
            "(Argo 3.7 accepts it; Argo 4.1 removed it)",
        )
    ]


def test_the_memoize_cache_key_belongs_to_argo_3_only():
    keyed = _memoized({"name": "cache", "key": "entries"})
    assert lint_document(keyed, argo_version="3.7") == []
    assert [m for _, _, m in findings(keyed, argo_version="4.1")] == [
        "unknown field 'key' (Argo 3.7 accepts it; Argo 4.1 removed it)"
    ]
    for version in ARGO_VERSIONS:  # Argo ignores the key; its own example leaves it out
        assert lint_document(_memoized({"name": "cache"}), argo_version=version) == []


def test_a_field_new_in_argo_4_is_named_at_3_7():
    doc = workflow(
        container("main", outputs={"artifacts": [{"name": "a", "path": "/a", "plugin": {}}]})
    )
    assert [m for _, _, m in findings(doc, argo_version="3.7")] == [
        "unknown field 'plugin' (new in Argo 4.1; Argo 3.7 does not have it)"
    ]


def test_a_typo_names_no_version():
    doc = workflow(container("main"), synchronization={"mutexs": [{"name": "one"}]})
    assert [m for _, _, m in findings(doc)] == ["unknown field 'mutexs' (did you mean 'mutexes'?)"]


def test_the_goldens_are_there():
    assert len(GOLDEN) >= 10


@pytest.mark.parametrize("version", ARGO_VERSIONS)
@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_compiled_output_is_valid_for_every_shipped_argo(path, version):
    assert lint_file(path, strict_names=True, argo_version=version) == []


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_the_compile_check_agrees_with_the_full_lint_on_the_goldens(path):
    doc = yaml.safe_load(path.read_text())
    assert check_compiled(doc) == lint_document(doc, strict_names=True) == []


def test_the_compile_check_reports_an_error_as_the_full_lint_does():
    doc = workflow(container("main"), container("Bad_Name"))
    doc["spec"]["templates"][0]["retryStrategy"] = {"limit": "x" * 3, "bogus": 1}
    full = lint_document(doc, strict_names=True)
    assert {f.rule for f in full} >= {"unknown-field", "strict-name"}
    assert check_compiled(doc) == full


def test_the_compile_check_skips_the_wiring_rules_of_a_schema_clean_document():
    # A reference the compiler would never write: the full lint finds it, the compile check
    # (which tests what the input can break) does not look.
    doc = workflow(container("main", container={"image": "x", "args": ["{{inputs.parameters.p}}"]}))
    assert [f.rule for f in lint_document(doc, strict_names=True)] == ["unresolved-reference"]
    assert check_compiled(doc) == []
