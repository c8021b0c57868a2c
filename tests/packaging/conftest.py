"""Fixtures of the packaging tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from tests.packaging.helpers import TreeSpec, write_tree


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[..., Path]:
    """``make_tree(files, name="proj", executable=())`` -> the root of a new tree."""

    def make(files: TreeSpec, name: str = "proj", executable: Iterable[str] = ()) -> Path:
        return write_tree(tmp_path / name, files, executable)

    return make
