"""The shipped schemas equal Argo's originals, and the schema directory can be overridden."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from axl.compiler.lint import ENV_VAR, SchemaDirError, lint_document
from axl.compiler.lint.schemas import (
    KINDS,
    compact_json,
    crd_schema,
    default_schema_dir,
    read_crd_schema,
    resolve_schema_dir,
)
from axl.compiler.schemas.refresh import refresh
from tests.lint.documents import SHARED, pipeline

VENDORED = default_schema_dir()
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="no shared Argo schemas here")


def _crd(schema: dict) -> dict:
    return {"spec": {"versions": [{"name": "v1alpha1", "schema": {"openAPIV3Schema": schema}}]}}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_provenance_lists_every_vendored_file_with_its_hash():
    provenance = (VENDORED / "PROVENANCE.md").read_text()
    for name in ["schema.json", *(k.compact for k in KINDS.values())]:
        row = next(line for line in provenance.splitlines() if line.startswith(f"| {name} |"))
        assert _sha(VENDORED / name) in row
        assert str((VENDORED / name).stat().st_size) in row


@needs_shared
def test_schema_json_is_a_byte_copy():
    assert (VENDORED / "schema.json").read_bytes() == (SHARED / "schema.json").read_bytes()


@needs_shared
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_compact_crd_schema_equals_the_original_converted(kind):
    # Without a compact copy, the loader converts Argo's CRD YAML itself.
    expected = read_crd_schema(SHARED, kind)
    compact = (VENDORED / KINDS[kind].compact).read_text()
    assert json.loads(compact) == expected
    assert compact == compact_json(expected)


def test_refresh_copies_schema_json_and_converts_each_crd(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "schema.json").write_text('{"x": 1}')
    for files in KINDS.values():
        crd = _crd({"description": files.kind, "type": "object", "title": files.kind})
        (source / files.crd).write_text(json.dumps(crd))  # JSON is YAML
    dest = tmp_path / "dest"
    lines = refresh(source, dest)
    assert (dest / "schema.json").read_text() == '{"x": 1}'
    assert (dest / "workflow.json").read_text() == '{"title":"Workflow","type":"object"}\n'
    for path in dest.iterdir():
        assert f"{path.name} {_sha(path)} {path.stat().st_size}" in lines


def test_descriptions_are_dropped_but_fields_named_description_stay():
    crd = _crd(
        {
            "description": "text",
            "type": "object",
            "properties": {"description": {"description": "a field", "type": "string"}},
        }
    )
    assert crd_schema(crd) == {
        "type": "object",
        "properties": {"description": {"type": "string"}},
    }


def test_schema_dir_comes_from_argument_then_env_then_package(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_schema_dir() == VENDORED
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert resolve_schema_dir() == tmp_path.resolve()
    assert resolve_schema_dir(VENDORED) == VENDORED


def test_missing_schema_dir_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(SchemaDirError, match=r"Argo schema directory .*nowhere does not exist"):
        lint_document(pipeline())


def test_incomplete_schema_dir_is_a_clear_error(tmp_path):
    (tmp_path / "schema.json").write_bytes((VENDORED / "schema.json").read_bytes())
    with pytest.raises(
        SchemaDirError, match=r"has neither workflow\.json nor argoproj\.io_workflows\.yaml"
    ):
        lint_document(pipeline(), schema_dir=tmp_path)
