"""`axl package`: archive a project, name the module to import from it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def axl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "axl", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_package_external_repo_from_outside(tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "external_repo", repo)
    out = axl(
        "package",
        "-m",
        "src/wordstats/flow.py:WordStats",
        "--workflow-path",
        ".",
        "--out",
        str(tmp_path / "out"),
        "--json",
        cwd=repo,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["workflow"] == "wordstats.flow:WordStats"
    assert doc["name"] == f"code-{doc['digest'].removeprefix('blake3:')[:16]}.tar.gz"
    assert Path(doc["path"]).name == doc["name"]
    assert doc["files"] >= 5
    again = axl(
        "package",
        "-m",
        "src/wordstats/flow.py:WordStats",
        "--workflow-path",
        ".",
        "--out",
        str(tmp_path / "again"),
        "--json",
        cwd=repo,
    )
    assert json.loads(again.stdout)["digest"] == doc["digest"]
    assert Path(json.loads(again.stdout)["path"]).read_bytes() == Path(doc["path"]).read_bytes()


def test_package_warns_about_secrets_and_refuses_big_trees(tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "external_repo", repo)
    (repo / ".env").write_text("TOKEN=x\n")
    out = axl("package", "-m", "src/wordstats/flow.py:WordStats", "--workflow-path", ".", cwd=repo)
    assert out.returncode == 0, out.stderr
    assert "warning:" in out.stderr and ".env" in out.stderr
    (repo / "big.bin").write_bytes(b"\0" * 2_000_000)
    out = axl(
        "package",
        "-m",
        "src/wordstats/flow.py:WordStats",
        "--workflow-path",
        ".",
        "--size-limit",
        "1",
        cwd=repo,
    )
    assert out.returncode == 2
    assert "big.bin" in out.stderr
