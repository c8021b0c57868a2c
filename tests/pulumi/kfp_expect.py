"""What the ``kfp`` target should produce, computed on its own: the CLI's spec, the version's digest."""

from __future__ import annotations

import subprocess
import sys

from blake3 import blake3

from tests.pulumi.conftest import REPO


def axl_compile(target: str, *flags: str) -> str:
    """What ``axl compile --target kfp`` prints for ``target``, run as a user runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "axl", "compile", "-m", target, "--target", "kfp", *flags],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def version_digest(spec: str, workflow_hash: str | None) -> str:
    """The digest a version is named after: of the workflow hash (a line) and the spec text."""
    head = f"{workflow_hash}\n" if workflow_hash is not None else ""
    return f"blake3:{blake3((head + spec).encode('utf-8')).hexdigest()}"
