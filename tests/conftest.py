"""Shared test configuration: every module in tests/fixtures/ is a pytest plugin."""

from __future__ import annotations

import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = sorted(
    f"tests.fixtures.{info.name}"
    for info in pkgutil.iter_modules([str(Path(__file__).parent / "fixtures")])
)


@pytest.fixture(autouse=True)
def _recursion_limit() -> Iterator[None]:
    """Each test starts with the interpreter's recursion limit as the worker had it.

    A Dagster job with a deep chain raises the limit for the process it runs in
    (``axl.runtime.dagster_op``); without this, a later test in the same worker
    that expects a RecursionError (a manifest nested 1,000 deep) would not get one.
    """
    limit = sys.getrecursionlimit()
    yield
    sys.setrecursionlimit(limit)
