"""``axl run local --workflow-archive``: the external project run from its archive, anywhere."""

from __future__ import annotations

from tests.argo_e2e.fixtures import axl_cli
from tests.code_delivery.helpers import REF, TARGET


def package(project, out) -> dict:
    report = axl_cli(
        "package", "-m", TARGET, "--workflow-path", ".", "--out", str(out), cwd=project
    )
    assert report["exit_code"] == 0, report
    return report


def digests(report: dict) -> dict[str, str]:
    return {step: info["outputs"][0]["digest"] for step, info in report["steps"].items()}


def test_the_archive_runs_where_the_project_is_not(external_repo, tmp_path):
    archive = tmp_path / "code.tar.gz"
    packaged = package(external_repo, archive)
    assert packaged["workflow"] == REF
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    from_archive = axl_cli(
        "run", "local", "-m", REF, "--workflow-archive", str(archive),
        "--archive-digest", packaged["digest"], "--workspace", "ws", "--param", "top=2",
        cwd=elsewhere,
    )  # fmt: skip
    assert from_archive["ok"], from_archive
    assert (elsewhere / "ws" / "workdir" / "src" / "wordstats" / "flow.py").is_file()
    from_source = axl_cli(
        "run", "local", "-m", TARGET, "--workspace", str(tmp_path / "ws"), "--param", "top=2",
        cwd=external_repo,
    )  # fmt: skip
    assert from_source["ok"], from_source
    assert digests(from_archive) == digests(from_source)
    assert from_archive["value"] == from_source["value"]
    assert from_archive["value"]["top"] == [["dog", 2], ["fox", 2]]


def test_without_the_archive_the_module_is_not_found(tmp_path):
    report = axl_cli("run", "local", "-m", REF, "--workspace", "ws", cwd=tmp_path)
    assert report["exit_code"] == 2, report
    assert "wordstats" in report["error"]["message"]


def test_a_wrong_digest_is_refused_before_anything_runs(external_repo, tmp_path):
    archive = tmp_path / "code.tar.gz"
    package(external_repo, archive)
    report = axl_cli(
        "run", "local", "-m", REF, "--workflow-archive", str(archive),
        "--archive-digest", "blake3:" + "0" * 64, "--workspace", "ws", cwd=tmp_path,
    )  # fmt: skip
    assert report["exit_code"] == 4, report
    assert "digest" in report["error"]["message"]
    assert not (tmp_path / "ws" / "runs").exists()
