"""What every command shares: error reporting, exit codes, JSON output, common options."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import typer

from axl.errors import EXIT_INTERNAL, AxlError

F = TypeVar("F", bound=Callable[..., Any])

TARGET_HELP = "The workflow: path/to/file.py:Class or package.module:Class."
TargetOption = typer.Option(..., "-m", "--module", help=TARGET_HELP, metavar="TARGET")
JsonOption = typer.Option(False, "--json", help="Print one JSON object instead of text.")
ParamsFileOption = typer.Option(
    None,
    "--params",
    help="A YAML or JSON file of workflow parameters.",
    dir_okay=False,
    metavar="FILE",
)
ParamOption = typer.Option(
    None,
    "--param",
    help="A parameter as key=value (repeatable; overrides --params).",
    metavar="KEY=VALUE",
)


def emit_json(payload: dict[str, Any]) -> None:
    """Print one JSON object on stdout."""
    sys.stdout.write(json.dumps(payload, sort_keys=True, default=str) + "\n")


def fail(error: AxlError, *, as_json: bool) -> typer.Exit:
    """Report an anticipated error in one line (or JSON) and return the exit to raise."""
    if as_json:
        emit_json({"ok": False, "error": error.to_dict()})
    else:
        line = f"error: {error.message}"
        if error.hint:
            line += f"\n  hint: {error.hint}"
        typer.echo(line, err=True)
    return typer.Exit(code=error.exit_code)


def handle_errors(func: F) -> F:
    """Turn :class:`AxlError` into a one-line message and its exit code; never a traceback.

    An unexpected exception is reported as an internal error (exit 70); set
    ``AXL_DEBUG=1`` to see its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json", False))
        try:
            return func(*args, **kwargs)
        except AxlError as exc:
            raise fail(exc, as_json=as_json) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("AXL_DEBUG"):
                traceback.print_exc()
            message = f"internal error: {type(exc).__name__}: {exc}"
            hint = "this is a bug in axl; rerun with AXL_DEBUG=1 and report the traceback"
            if as_json:
                emit_json(
                    {"ok": False, "error": {"code": "internal", "message": message, "hint": hint}}
                )
            else:
                typer.echo(f"error: {message}\n  hint: {hint}", err=True)
            raise typer.Exit(code=EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def one_line_warnings() -> Iterator[None]:
    """Print each Python warning as ``warning: MESSAGE`` on stderr, as ``validate`` does."""

    def show(message: Any, *_args: Any, **_kwargs: Any) -> None:
        typer.echo(f"warning: {message}", err=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def cli_params(params_file: Path | None, pairs: list[str] | None) -> dict[str, Any]:
    """Parameters from ``--params`` and ``--param`` flags."""
    from axl.dsl.params import merge_cli_params

    return merge_cli_params(params_file, pairs)
