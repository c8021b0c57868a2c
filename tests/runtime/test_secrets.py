"""Secret values never touch disk, in any isolation mode, after a success or a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.runtime.engine_cli import MODES, ROOT, files_containing, run

TOKEN = "tok-8f3e1c5d9a7b"
PASSWORD = "pw-2b4d6f8a0c1e"


@pytest.mark.parametrize("fail", [False, True])
@pytest.mark.parametrize("isolation", MODES)
def test_no_secret_value_is_written_anywhere(
    tmp_path: Path, isolation: str, fail: bool, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("API_TOKEN", TOKEN)
    monkeypatch.setenv("DB_PASSWORD", PASSWORD)
    args = ("--isolation", isolation, "--run-id", "s", "--param", f"fail={str(fail).lower()}")
    out = run("UsesSecret", tmp_path, *args, "--json")
    assert out.returncode == (3 if fail else 0), out.stderr
    if not fail:
        assert '"value": true' in out.stdout  # each step did see both values
    else:
        assert (tmp_path / "runs" / "s" / "use" / "manifest.json").exists()
    for secret in (TOKEN, PASSWORD):
        assert files_containing(tmp_path, secret.encode()) == []
        assert secret not in out.stdout + out.stderr


def test_a_missing_secret_is_named_before_anything_runs(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("API_TOKEN", "DB_PASSWORD")}
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "axl", "run", "local", "-m",
         "tests/runtime/engine_workflows.py:UsesSecret", "--workspace", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    assert "reads API_TOKEN from Secret registry/token" in out.stderr
    assert "export API_TOKEN=" in out.stderr
