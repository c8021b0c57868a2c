"""Shared test configuration: every module in tests/fixtures/ is a pytest plugin."""

from __future__ import annotations

import pkgutil
from pathlib import Path

pytest_plugins = sorted(
    f"tests.fixtures.{info.name}"
    for info in pkgutil.iter_modules([str(Path(__file__).parent / "fixtures")])
)
