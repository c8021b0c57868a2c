"""Code delivery tests: the end-to-end fixtures, and a copy of the external example project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.argo_e2e.fixtures import argo_cluster, artifact_driver
from tests.containers.podman import ROOT

__all__ = ["argo_cluster", "artifact_driver", "external_repo"]

EXTERNAL_REPO = ROOT / "examples" / "external_repo"


@pytest.fixture
def external_repo(tmp_path: Path) -> Path:
    """A copy of ``examples/external_repo`` outside axl's tree, as a user's checkout."""
    copy = tmp_path / "wordstats-project"
    shutil.copytree(EXTERNAL_REPO, copy, ignore=shutil.ignore_patterns("__pycache__", ".axl"))
    assert not copy.resolve().is_relative_to(ROOT)
    return copy
