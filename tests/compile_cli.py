"""The ``axl compile`` command in a test app, for the CLI tests of every target."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from axl.cli.compile import register


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    """An app with ``axl compile`` (and a second command, so it stays a subcommand)."""
    app = typer.Typer()
    register(app)

    @app.command("other")
    def other() -> None:
        """Unused."""

    return app


def invoke(app: typer.Typer, *args: str) -> Any:
    """Run the app with ``args``; exceptions propagate."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)
