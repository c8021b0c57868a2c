"""scripts/check-release-version.py: the release tag must be every distribution's version."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import axl
from tests.release.workflows import CHECK_SCRIPT


def check(tag: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK_SCRIPT), tag, *args], capture_output=True, text=True
    )


def make_root(tmp_path: Path, axl_version: str, pulumi_version: str) -> Path:
    (tmp_path / "axl").mkdir()
    (tmp_path / "axl" / "_version.py").write_text(
        f'"""The version."""\n\n__version__ = "{axl_version}"\n'
    )
    (tmp_path / "providers" / "axl_pulumi").mkdir(parents=True)
    (tmp_path / "providers" / "axl_pulumi" / "_version.py").write_text(
        f'__version__ = "{pulumi_version}"\n'
    )
    return tmp_path


def test_the_tag_of_this_checkouts_version_passes_and_prints_it() -> None:
    result = check(f"v{axl.__version__}")

    assert (result.returncode, result.stdout, result.stderr) == (0, f"{axl.__version__}\n", "")


@pytest.mark.parametrize("version", ["1.2.0", "10.20.30", "1.3.0rc1", "1.3.0.post2", "2.0.0.dev1"])
def test_a_matching_tag_passes(tmp_path: Path, version: str) -> None:
    root = make_root(tmp_path, version, version)

    result = check(f"v{version}", "--root", str(root))

    assert (result.returncode, result.stdout) == (0, f"{version}\n")


def test_a_tag_that_differs_from_axl_version_fails_saying_what_to_change(tmp_path: Path) -> None:
    root = make_root(tmp_path, "0.1.0", "0.1.0")

    result = check("v0.2.0", "--root", str(root))

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "check-release-version: tag v0.2.0 releases 0.2.0 but axl/_version.py (axl-workflows)"
        " says 0.1.0: set __version__ = '0.2.0' in every version file and tag again, or tag v0.1.0\n"
    )


def test_axl_pulumi_must_carry_the_same_version(tmp_path: Path) -> None:
    root = make_root(tmp_path, "0.2.0", "0.1.0")

    result = check("v0.2.0", "--root", str(root))

    assert result.returncode == 1
    assert "providers/axl_pulumi/_version.py (axl-pulumi) says 0.1.0" in result.stderr


@pytest.mark.parametrize("tag", ["0.1.0", "v0.1", "v0.1.0-beta", "release-0.1.0", "v0.1.0 "])
def test_a_tag_not_of_the_form_vXYZ_is_refused(tmp_path: Path, tag: str) -> None:
    root = make_root(tmp_path, "0.1.0", "0.1.0")

    result = check(tag, "--root", str(root))

    assert result.returncode == 2
    assert result.stderr.startswith("check-release-version: release tags look like v1.2.0")


def test_a_version_file_without_a_version_line_fails(tmp_path: Path) -> None:
    root = make_root(tmp_path, "0.1.0", "0.1.0")
    (root / "axl" / "_version.py").write_text("VERSION = '0.1.0'\n")

    result = check("v0.1.0", "--root", str(root))

    assert result.returncode == 1
    assert "axl/_version.py has no `__version__" in result.stderr


def test_a_missing_version_file_fails_with_one_line(tmp_path: Path) -> None:
    result = check("v0.1.0", "--root", str(tmp_path))

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "cannot read" in result.stderr and "_version.py" in result.stderr
