"""Real Argo YAML no one here wrote: Argo's own examples and Hera's, at Argo 3.7 and 4.1.

Only documents that are genuinely wrong for a release are flagged; each is
listed in :mod:`tests.lint.examples` with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from axl.compiler.argo.lint import ENV_VAR, lint_document, lint_file
from axl.compiler.argo.lint.schemas import ARGO_VERSIONS
from tests.lint.documents import SHARED
from tests.lint.examples import (
    ARGO_EXAMPLES,
    ARGO_FLAGGED,
    HERA,
    HERA_FLAGGED,
    NOT_LINTED,
    yaml_files,
)

EXAMPLES = sorted((Path(__file__).parent / "argo_examples").glob("*.yaml"))
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="no shared Argo schemas here")


def _flagged(root: Path, version: str) -> dict[str, list[str]]:
    out = {}
    for path in yaml_files(root):
        errors = [f for f in lint_file(path, argo_version=version) if f.severity == "error"]
        if errors:
            out[path.relative_to(root).as_posix()] = [f"{f.rule}: {f.message}" for f in errors]
    return out


def test_the_examples_are_there():
    assert len(EXAMPLES) == 10
    assert len(yaml_files(HERA)) == 115


@needs_shared
def test_the_copies_equal_the_shared_originals():
    originals = sorted((SHARED / "examples").glob("*.yaml"))
    assert [p.name for p in originals] == [p.name for p in EXAMPLES]
    for copy, original in zip(EXAMPLES, originals):
        assert copy.read_bytes() == original.read_bytes()


@pytest.mark.parametrize("version", ARGO_VERSIONS)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_clean_with_the_vendored_schemas(path, version):
    assert lint_file(path, argo_version=version) == []


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


@pytest.mark.slow
@needs_shared
@pytest.mark.parametrize("version", ARGO_VERSIONS)
def test_every_argo_example_of_the_release_passes_but_the_broken_ones(version):
    flagged = _flagged(ARGO_EXAMPLES[version], version)
    assert sorted(flagged) == sorted(ARGO_FLAGGED[version])
    for name, reason in ARGO_FLAGGED[version].items():
        if reason == NOT_LINTED:
            assert flagged[name] == [flagged[name][0]]
            assert flagged[name][0].startswith("kind: kind ")


@pytest.mark.slow
@pytest.mark.parametrize("version", ARGO_VERSIONS)
def test_every_hera_example_passes_but_the_broken_ones(version):
    flagged = _flagged(HERA, version)
    assert sorted(flagged) == sorted(HERA_FLAGGED[version])
    for name, reason in HERA_FLAGGED[version].items():
        if "Argo 3.7 accepts" in reason:
            assert all("Argo 3.7 accepts it; Argo 4.1 removed it" in m for m in flagged[name])
        if reason == NOT_LINTED:
            assert flagged[name][0].startswith("kind: kind ")


@pytest.mark.slow
def test_a_cron_workflow_of_hera_is_linted_like_a_workflow():
    crons = [p for p in yaml_files(HERA) if "kind: CronWorkflow" in p.read_text()]
    assert len(crons) == 11
    for path in crons:
        if path.relative_to(HERA).as_posix() not in HERA_FLAGGED["4.1"]:
            assert lint_file(path) == []
