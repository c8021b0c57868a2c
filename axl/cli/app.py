"""The ``axl`` Typer application; its commands, one module each, are in :mod:`axl.cli.commands`."""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO, cast

import typer

from axl._version import __version__
from axl.cli.commands import LazyGroup
from axl.errors import EXIT_FAILED

app = typer.Typer(
    name="axl",
    help="Write an ML workflow once; run it locally, on Argo, Kubeflow or Dagster.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: typer's rich help loads rich's markdown and console (about 80 ms).
    rich_markup_mode=None,
    cls=LazyGroup,
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


class OutputClosed(SystemExit):
    """The reader of stdout or stderr went away (``axl ... | head -1``): stop, quietly.

    The exit code is 1, as click's and the Python docs' "Note on SIGPIPE"
    have it: the command could not deliver all its output, and 141 would
    claim a death by SIGPIPE that never happened (Python ignores the signal).
    A :class:`SystemExit` passes through every ``except Exception`` on its way
    out, and a thread that meets it (a live display's refresh) just ends.
    """

    def __init__(self) -> None:
        super().__init__(EXIT_FAILED)


class _ClosedPipeGuard:
    """A text stream whose broken pipe becomes :class:`OutputClosed`.

    The first failed write points the stream's file descriptor at
    ``/dev/null``, so that later writes (a ``finally`` that reports, the
    interpreter's last flush) succeed without a word.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def _closed(self) -> OutputClosed:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        finally:
            os.close(devnull)
        return OutputClosed()

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise self._closed() from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise self._closed() from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _guard(stream: TextIO) -> TextIO:
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream  # no descriptor to redirect (already replaced, as under a test runner)
    return cast(TextIO, _ClosedPipeGuard(stream))


def main() -> None:
    """Console-script entry point; a closed stdout or stderr ends any command with exit 1."""
    sys.stdout, sys.stderr = _guard(sys.stdout), _guard(sys.stderr)
    try:
        app()
    finally:
        sys.stdout.flush()  # what is still buffered meets a closed pipe here, not at shutdown
