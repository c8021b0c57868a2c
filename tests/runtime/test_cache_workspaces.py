"""Workspaces and cache folders inside a project are results, never code (``CACHEDIR.TAG``)."""

from __future__ import annotations

from pathlib import Path

from axl.codefiles.cache_tag import SIGNATURE, TAG_NAME, is_tagged
from axl.runtime.folder_tag import tag_folder
from tests.runtime.cache_project import make_project, statuses

ALL_HITS = {"source": "succeeded", "scaled": "cached", "fixed": "cached"}
ALL_RAN = {"source": "succeeded", "scaled": "succeeded", "fixed": "succeeded"}


def test_runs_in_another_workspace_inside_the_project_leave_the_code_digest_alone(
    tmp_path: Path,
):
    project = make_project(tmp_path)
    store = ("--cache-store", str(tmp_path / "store"))
    first, second = project.root / "ws-a", project.root / "build" / "ws-b"
    assert statuses(project.run("--workspace", str(first), *store)) == ALL_RAN
    assert statuses(project.run("--workspace", str(second), *store)) == ALL_HITS
    assert statuses(project.run("--workspace", str(first), *store)) == ALL_HITS
    for workspace in (first, second):
        assert (workspace / TAG_NAME).read_bytes().startswith(SIGNATURE + b"\n")
    packaged = project.cli("package", "-m", "flow.py:Flow", "--json")
    assert packaged.returncode == 0, packaged.stderr
    assert "ws-a" not in packaged.stdout and "ws-b" not in packaged.stdout


def test_a_cache_store_folder_inside_the_project_is_not_code(tmp_path: Path):
    project = make_project(tmp_path)
    store = project.root / "results"
    assert statuses(project.run("--cache-store", str(store))) == ALL_RAN
    assert is_tagged(str(store))
    assert statuses(project.run("--cache-store", str(store))) == ALL_HITS


def test_only_a_folder_holding_nothing_but_what_axl_keeps_there_is_tagged(tmp_path: Path):
    workspace = tmp_path / "ws"
    (workspace / "runs").mkdir(parents=True)
    (workspace / ".tmp-leftover").write_text("")
    assert tag_folder(workspace) and is_tagged(str(workspace))
    assert tag_folder(workspace)  # once is enough: the tag stays as it is
    project = tmp_path / "project"  # --workspace . : the project's own folder
    (project / "runs").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    assert not tag_folder(project)
    assert not (project / TAG_NAME).exists()
    assert not tag_folder(tmp_path / "absent")


def test_a_tag_without_the_signature_marks_nothing(tmp_path: Path):
    (tmp_path / TAG_NAME).write_text("just a file with that name\n")
    assert not is_tagged(str(tmp_path))
