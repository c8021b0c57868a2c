"""Argo's own examples pass both schema checks and every semantic rule: no false alarms."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from axl.compiler.lint import ENV_VAR, lint_document, lint_file
from tests.lint.documents import SHARED

EXAMPLES = sorted((Path(__file__).parent / "argo_examples").glob("*.yaml"))
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="no shared Argo schemas here")


def test_the_examples_are_there():
    assert len(EXAMPLES) == 10


@needs_shared
def test_the_copies_equal_the_shared_originals():
    originals = sorted((SHARED / "examples").glob("*.yaml"))
    assert [p.name for p in originals] == [p.name for p in EXAMPLES]
    for copy, original in zip(EXAMPLES, originals):
        assert copy.read_bytes() == original.read_bytes()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_clean_with_the_vendored_schemas(path):
    assert lint_file(path) == []


@needs_shared
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
