"""Every test in tests/io/ starts and ends with the same handler registry."""

from __future__ import annotations

import pytest

from axl.io import registry


@pytest.fixture(autouse=True)
def clean_registry(monkeypatch):
    monkeypatch.setattr(registry, "_handlers", dict(registry._handlers))
