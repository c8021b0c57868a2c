"""The ``axl`` Typer application: one module per command group, registered here."""

from __future__ import annotations

import importlib

import typer

from axl._version import __version__

app = typer.Typer(
    name="axl",
    help="Write an ML workflow once; run it locally, on Argo, Kubeflow or Dagster.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module exposes ``register(app)``; listed here so the CLI's surface is in one place.
_COMMAND_MODULES = (
    "axl.cli.validate",
    "axl.cli.run",
    "axl.cli.compile",
    "axl.cli.lint",
    "axl.cli.package",
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"axl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """axl: workflows as Python classes, compiled to Argo, Kubeflow and Dagster."""


def _register_commands() -> None:
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    app()
