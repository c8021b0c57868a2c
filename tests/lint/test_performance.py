"""The schemas are read and compiled once per process, however many documents are linted.

(How fast the lint is, is measured by ``benchmarks/lint_speed.py``, not here.)
"""

from __future__ import annotations

import pytest

from axl.compiler.argo.lint import check_compiled, lint_document, schema_check, strict
from tests.lint.documents import big_workflow, pipeline


@pytest.fixture
def counted(monkeypatch):
    """How often each schema is made strict (the expensive step of loading one)."""
    calls = {"json": 0, "crd": 0}
    strict_json, strict_crd = strict.strict_json_schema, strict.strict_crd_schema

    def json_once(schema):
        calls["json"] += 1
        return strict_json(schema)

    def crd_once(schema):
        calls["crd"] += 1
        return strict_crd(schema)

    monkeypatch.setattr(schema_check, "strict_json_schema", json_once)
    monkeypatch.setattr(schema_check, "strict_crd_schema", crd_once)
    schema_check.kind_schemas.cache_clear()
    schema_check._strict_json.cache_clear()
    monkeypatch.setattr(schema_check, "_CRDS", {})
    yield calls
    schema_check.kind_schemas.cache_clear()
    schema_check._strict_json.cache_clear()


def test_a_hundred_documents_load_the_schemas_once(counted):
    assert all(lint_document(pipeline()) == [] for _ in range(100))
    assert counted == {"json": 1, "crd": 1}


def test_the_template_kinds_share_one_compiled_schema(counted):
    for kind in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
        doc = pipeline()
        doc["kind"], doc["metadata"] = kind, {"name": "demo"}
        assert lint_document(doc) == []
    assert counted == {"json": 1, "crd": 1}


@pytest.mark.slow
def test_two_thousand_tasks_warn_of_the_crd_limits_only():
    doc = big_workflow(2000)
    assert [f.rule for f in lint_document(doc)] == ["crd-limit", "crd-limit"]
    assert check_compiled(doc) == lint_document(doc, strict_names=True)
