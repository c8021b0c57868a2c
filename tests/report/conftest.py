"""Runs the report tests look at: made once per test process by the real local engine."""

from __future__ import annotations

from pathlib import Path

import pytest

import axl
from tests.report.workflows import HOSTILE_LABEL, Hostile, Training


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with ``train-1`` (evaluate fails, fit retried, publish not run, notify
    skipped) and ``hostile-1`` (an error message and a log that are HTML)."""
    ws = tmp_path_factory.mktemp("report-ws")
    scratch = tmp_path_factory.mktemp("scratch")
    train = axl.run_local(
        Training, {"scratch": str(scratch), "nap": 0.01}, workspace=ws, run_id="train-1"
    )
    hostile = axl.run_local(Hostile, {"label": HOSTILE_LABEL}, workspace=ws, run_id="hostile-1")
    assert not train.ok and not hostile.ok
    return ws
