"""`axl run local`: one exit code contract and one-line messages for anticipated failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.runtime.engine_cli import run


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("exit", "exited with code 7 before reporting"),
        ("segv", "killed by SIGSEGV"),
        ("sleep", "timed out after 1s"),
    ],
)
@pytest.mark.parametrize("isolation", ["worker", "fork", "subprocess"])
def test_a_step_that_dies_is_exit_3_with_its_reason(
    tmp_path: Path, isolation: str, how: str, reason: str
):
    out = run("Crashes", tmp_path, "--isolation", isolation, "--param", f"how={how}")
    assert out.returncode == 3, out.stderr
    assert reason in out.stderr
    assert "Traceback" not in out.stderr


def test_an_unknown_packages_policy_is_bad_input(tmp_path: Path):
    out = run("Held", tmp_path, "--packages", "maybe", "--param", "hold=none")
    assert out.returncode == 2
    assert out.stderr.startswith(
        "error: packages policy 'maybe' is not one of none, check, install"
    )
    assert not (tmp_path / "runs").exists()


def test_a_malformed_archive_digest_is_bad_input(tmp_path: Path):
    archive = tmp_path / "code.tar.gz"
    archive.write_bytes(b"")
    out = run(
        "Held", tmp_path, "--workflow-archive", str(archive), "--archive-digest", "blake3:xyz",
        "--param", "hold=none",
    )  # fmt: skip
    assert out.returncode == 2, out.stderr
    assert "--archive-digest 'blake3:xyz' is not a blake3 digest" in out.stderr


def test_warnings_are_one_line_as_validate_prints_them(tmp_path: Path):
    out = run("Unconsumed", tmp_path)
    assert out.returncode == 0, out.stderr
    warning = [line for line in out.stderr.splitlines() if "side" in line]
    assert warning and warning[0].startswith("warning: ")
    assert "AxlWarning" not in out.stderr and ".py:" not in out.stderr


def test_a_failed_run_as_json_has_a_top_level_error(tmp_path: Path):
    out = run("Crashes", tmp_path, "--json", "--param", "how=exit")
    assert out.returncode == 3
    doc = json.loads(out.stdout)
    assert doc["ok"] is False and doc["status"] == "failed"
    assert doc["error"]["code"] == "crashed"
    assert doc["error"]["step"] == "boom"
    assert "exited with code 7" in doc["error"]["message"]
