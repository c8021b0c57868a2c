"""Argo's own examples pass both schema checks and every semantic rule: no false alarms."""

from __future__ import annotations

import pytest
import yaml

from axl.compiler.lint import ENV_VAR, lint_document, lint_file
from tests.lint.documents import SHARED

EXAMPLES = sorted((SHARED / "examples").glob("*.yaml")) if SHARED.is_dir() else []
pytestmark = pytest.mark.skipif(not EXAMPLES, reason="no shared Argo examples here")


def test_the_examples_are_there():
    assert len(EXAMPLES) == 10


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_clean_with_the_vendored_schemas(path):
    assert lint_file(path) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_clean_with_the_original_schemas(path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(SHARED))
    assert lint_file(path) == []


@pytest.mark.parametrize("kind", ["WorkflowTemplate", "ClusterWorkflowTemplate"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_clean_as_a_template(path, kind):
    doc = yaml.safe_load(path.read_text())
    doc["kind"] = kind
    doc["metadata"] = {"name": path.stem}
    assert lint_document(doc) == []


def test_strict_names_flag_only_what_axl_would_not_emit():
    flagged = {
        path.stem: sorted({f.path for f in lint_file(path, strict_names=True)}) for path in EXAMPLES
    }
    assert {stem: paths for stem, paths in flagged.items() if paths} == {
        "artifact-repository-ref": ["spec.templates[0].outputs.artifacts[0].name"],
        "dag-diamond": [f"spec.templates[0].dag.tasks[{i}].name" for i in range(4)],
        "dag-diamond-steps": [f"spec.templates[2].dag.tasks[{i}].name" for i in range(4)],
    }
