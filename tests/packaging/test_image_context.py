"""The build context of a workflow's image: the same sources give the same bytes."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from tests.packaging.image_helpers import (
    PINNED_BASE,
    PROJECT,
    TARGET,
    axl,
    copy_project,
    error_lines,
    report,
)


def write_context(project: Path, out: Path, *extra: str) -> dict:
    result = axl(
        "build-image", "-m", TARGET, "--tag", "localhost/inventory:1", "--base", PINNED_BASE,
        "--no-build", "--context-out", str(out), "--json", *extra,
        cwd=project,
    )  # fmt: skip
    return report(result)


def test_context_is_byte_identical_across_paths_umasks_and_times(tmp_path: Path) -> None:
    first = copy_project(tmp_path / "a" / "inventory-report", umask=0o022, mtime=0)
    second = copy_project(tmp_path / "elsewhere" / "deeper" / "copy", umask=0o077)
    (second / "inventory" / "flow.py").chmod(0o600)
    one = write_context(first, tmp_path / "one.tar")
    two = write_context(second, tmp_path / "two.tar")
    assert (tmp_path / "one.tar").read_bytes() == (tmp_path / "two.tar").read_bytes()
    assert one["context"]["digest"] == two["context"]["digest"]
    assert one["labels"] == two["labels"]
    assert one["image_id"] is None and one["engine"] is None


def test_context_layout_modes_and_owners(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", umask=0o077)
    write_context(project, tmp_path / "ctx.tar")
    with tarfile.open(tmp_path / "ctx.tar") as tar:
        members = tar.getmembers()
        containerfile = tar.extractfile("Containerfile").read().decode()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert names == [
        "Containerfile",
        "code",
        "code/README.md",
        "code/inventory",
        "code/inventory/__init__.py",
        "code/inventory/flow.py",
        "code/inventory/render.py",
        "code/pyproject.toml",
        "code/uv.lock",
        "deps",
        "deps/pyproject.toml",
        "deps/uv.lock",
    ]
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {
        (0, 0, "", "", 315532800)
    }
    assert {m.name: m.mode for m in members if m.isdir()} == dict.fromkeys(
        ["code", "code/inventory", "deps"], 0o755
    )
    assert {m.mode for m in members if m.isfile()} == {0o644}
    with tarfile.open(tmp_path / "ctx.tar") as tar:
        assert tar.extractfile("deps/uv.lock").read() == (PROJECT / "uv.lock").read_bytes()
    assert f"ARG BASE_IMAGE={PINNED_BASE}" in containerfile


def test_compressed_context_holds_the_same_tar(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    plain = write_context(project, tmp_path / "ctx.tar")
    packed = write_context(project, tmp_path / "ctx.tar.gz")
    assert plain["context"]["digest"] == packed["context"]["digest"]
    import gzip

    data = (tmp_path / "ctx.tar.gz").read_bytes()
    assert data[4:8] == b"\0\0\0\0"  # no gzip timestamp
    assert gzip.decompress(data) == (tmp_path / "ctx.tar").read_bytes()


def test_the_code_follows_the_archive_rules_and_warns_about_secrets(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    (project / ".axlignore").write_text("data/\n")
    (project / "data").mkdir()
    (project / "data" / "big.csv").write_text("1,2\n")
    (project / ".env").write_text("TOKEN=x\n")
    (project / "inventory" / "__pycache__").mkdir()
    (project / "inventory" / "__pycache__" / "flow.cpython-311.pyc").write_bytes(b"x")
    result = write_context(project, tmp_path / "ctx.tar", "--exclude", "README.md")
    with tarfile.open(tmp_path / "ctx.tar") as tar:
        code = {m.name for m in tar.getmembers() if m.name.startswith("code/")}
    assert "code/.env" in code and "code/.axlignore" in code
    assert not {n for n in code if "data" in n or "pycache" in n or "README" in n}
    assert result["warnings"] == [
        ".env looks like a credentials file and is included in the image; "
        "list it in .axlignore to leave it out"
    ]


def test_code_digest_is_the_code_archives(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    built = write_context(project, tmp_path / "ctx.tar")
    packaged = report(
        axl("package", "-m", TARGET, "--out", str(tmp_path / "a"), "--json", cwd=project)
    )
    assert built["code_digest"] == f"blake3:{packaged['digest']}"
    assert built["labels"]["axl.dev/code-digest"] == built["code_digest"]


def test_an_earlier_context_inside_the_project_is_not_in_the_next(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    first = write_context(project, project / "build" / "ctx.tar")
    second = write_context(project, project / "build" / "ctx.tar")
    assert first["context"]["digest"] == second["context"]["digest"]


def test_report_and_labels(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    built = write_context(project, tmp_path / "ctx.tar")
    validate = report(axl("validate", "-m", TARGET, "--json", cwd=project))
    labels = built["labels"]
    assert built["hash"] == labels["axl.dev/hash"] == validate["hash"]
    assert built["workflow"] == labels["axl.dev/workflow"] == "inventory"
    assert built["workflow_ref"] == "inventory.flow:Inventory"
    assert built["dependencies"] == "uv.lock"
    assert labels["axl.dev/lock-digest"] == built["lock_digest"]
    assert built["lock_digest"].startswith("blake3:")
    assert labels["org.opencontainers.image.created"] == "1970-01-01T00:00:00Z"
    assert labels["org.opencontainers.image.version"] == "0.1.0"
    assert labels["org.opencontainers.image.revision"] == ""  # not in a git work tree
    assert labels["org.opencontainers.image.source"].endswith("examples/baked_project")
    assert labels["org.opencontainers.image.base.digest"] == PINNED_BASE.split("@")[1]
    assert (built["reference"], built["pushed"], built["digest"]) == (None, False, None)


def test_a_changed_lock_changes_the_lock_digest_only_there(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    before = write_context(project, tmp_path / "a.tar")
    lock = project / "uv.lock"
    lock.write_text(lock.read_text() + "\n")
    after = write_context(project, tmp_path / "b.tar")
    assert before["lock_digest"] != after["lock_digest"]
    assert before["hash"] == after["hash"]
    assert before["context"]["digest"] != after["context"]["digest"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--tag", "Inventory"), "--tag 'Inventory' is not an image name with a tag"),
        (("--tag", "localhost/inventory:1", "--no-build"), "--no-build only writes"),
        (
            ("--tag", "localhost/inventory:1", "--build-arg", "X"),
            "--build-arg 'X' is not KEY=VALUE",
        ),
        (("--tag", "localhost/inventory:1", "--engine", "kaniko"), "--engine 'kaniko' is not"),
    ],
)
def test_bad_arguments_are_one_line_errors(tmp_path: Path, args, message) -> None:
    project = copy_project(tmp_path / "p")
    result = axl("build-image", "-m", TARGET, "--base", PINNED_BASE, *args, cwd=project)
    assert result.returncode == 2
    lines = error_lines(result)
    assert lines[0].startswith(f"error: {message}"), result.stderr
    assert len(lines) <= 2 and "Traceback" not in result.stderr
