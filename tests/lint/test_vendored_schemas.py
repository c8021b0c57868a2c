"""The shipped schemas equal Argo's originals, and the schema directory can be overridden."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from axl.compiler.argo.lint import ENV_VAR, SchemaDirError, lint_document
from axl.compiler.argo.lint.schemas import (
    ARGO_VERSIONS,
    KINDS,
    compact_json,
    crd_schema,
    default_schema_dir,
    read_crd_schema,
    resolve_schema_dir,
)
from axl.compiler.argo.lint.schemas import (
    VENDORED as SHIPPED,
)
from axl.compiler.argo.schemas.refresh import refresh
from tests.lint.documents import SHARED, pipeline

VENDORED = default_schema_dir()
ORIGINALS = {"3.7": [SHARED / "v3.7.18"], "4.1": [SHARED, SHARED / "v4.1.2-extra"]}
"""Where the shared copy keeps each release's originals (the first folder that has a file)."""
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="no shared Argo schemas here")


def _crd(schema: dict) -> dict:
    return {"spec": {"versions": [{"name": "v1alpha1", "schema": {"openAPIV3Schema": schema}}]}}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(version: str) -> list[str]:
    return sorted({"schema.json", *(k.compact for k in KINDS.values())})


def test_each_release_ships_one_file_per_schema():
    assert sorted(p.name for p in SHIPPED.iterdir() if p.is_dir() and p.name[0] == "v") == [
        f"v{v}" for v in ARGO_VERSIONS
    ]
    for version in ARGO_VERSIONS:
        shipped = sorted(p.name for p in default_schema_dir(version).iterdir())
        assert shipped == _files(version)
        assert len(shipped) == 4  # the two template kinds share workflowtemplate.json


@pytest.mark.parametrize("version", ARGO_VERSIONS)
def test_provenance_lists_every_vendored_file_with_its_hash(version):
    provenance = (SHIPPED / "PROVENANCE.md").read_text()
    folder = default_schema_dir(version)
    for name in _files(version):
        row = next(
            line for line in provenance.splitlines() if line.startswith(f"| v{version}/{name} |")
        )
        assert _sha(folder / name) in row
        assert str((folder / name).stat().st_size) in row


@needs_shared
@pytest.mark.parametrize("version", ARGO_VERSIONS)
def test_schema_json_is_a_byte_copy(version):
    original = ORIGINALS[version][0] / "schema.json"
    assert (default_schema_dir(version) / "schema.json").read_bytes() == original.read_bytes()


@needs_shared
@pytest.mark.parametrize("version", ARGO_VERSIONS)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_compact_crd_schema_equals_the_original_converted(kind, version):
    # Without a compact copy, the loader converts Argo's CRD YAML itself.
    source = next(d for d in ORIGINALS[version] if (d / KINDS[kind].crd).is_file())
    expected = read_crd_schema(source, kind)
    compact = (default_schema_dir(version) / KINDS[kind].compact).read_text()
    assert json.loads(compact) == expected
    assert compact == compact_json(expected)


def _source(tmp_path: Path, title: str = "") -> Path:
    source = tmp_path / "source"
    source.mkdir(exist_ok=True)
    (source / "schema.json").write_text('{"x": 1}')
    for files in KINDS.values():
        name = files.compact.removesuffix(".json")
        crd = _crd({"description": files.kind, "type": "object", "title": title or name})
        (source / files.crd).write_text(json.dumps(crd))  # JSON is YAML
    return source


def test_refresh_copies_schema_json_and_converts_each_crd_once(tmp_path):
    dest = tmp_path / "dest"
    lines = refresh([_source(tmp_path)], dest)
    assert (dest / "schema.json").read_text() == '{"x": 1}'
    assert (dest / "workflow.json").read_text() == '{"title":"workflow","type":"object"}\n'
    assert sorted(p.name for p in dest.iterdir()) == [
        "cronworkflow.json", "schema.json", "workflow.json", "workflowtemplate.json"
    ]  # fmt: skip
    for path in dest.iterdir():
        assert f"{path.name} {_sha(path)} {path.stat().st_size}" in lines


def test_refresh_refuses_template_kinds_whose_schemas_differ(tmp_path):
    source = _source(tmp_path)
    crd = _crd({"type": "object", "title": "cluster only"})
    (source / KINDS["ClusterWorkflowTemplate"].crd).write_text(json.dumps(crd))
    with pytest.raises(
        SchemaDirError, match=r"WorkflowTemplate and ClusterWorkflowTemplate schemas differ"
    ):
        refresh([source], tmp_path / "dest")


def test_refresh_takes_each_file_from_the_first_folder_that_has_it(tmp_path):
    source = _source(tmp_path)
    extra = tmp_path / "extra"
    extra.mkdir()
    cron = source / KINDS["CronWorkflow"].crd
    cron.rename(extra / cron.name)
    refresh([source, extra], tmp_path / "dest")
    assert (tmp_path / "dest" / "cronworkflow.json").is_file()
    with pytest.raises(SchemaDirError, match=r"argoproj\.io_cronworkflows\.yaml is in none of"):
        refresh([source], tmp_path / "again")


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


def test_unknown_argo_version_is_a_clear_error():
    with pytest.raises(
        SchemaDirError, match=r"Argo '3\.5' has no schemas in axl: choose 3\.7 or 4\.1"
    ):
        lint_document(pipeline(), argo_version="3.5")


def test_schema_dir_comes_from_argument_then_env_then_package(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_schema_dir() == VENDORED
    assert resolve_schema_dir(argo_version="3.7") == SHIPPED / "v3.7"
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
