"""The CLI's commands by name, each loaded only when it runs.

Building every command up front costs more than most commands do: each
command module is imported and Typer turns every option of every signature
into a click parameter (about 50 ms for the whole CLI). The top-level group
here knows each command's module and one-line help, so ``axl --help`` lists
them without importing any, and ``axl NAME ...`` imports and builds only
``NAME``. ``tests/cli/test_commands.py`` checks the table against the
commands themselves.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import typer
import typer.main

# typer (0.26 and later) vendors click: its exceptions are the ones its parser raises.
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter


class CommandEntry(NamedTuple):
    """Where a top-level command lives and what ``axl --help`` says of it."""

    module: str
    """Exposes ``register(app)``, which adds exactly this command to ``app``."""
    short_help: str


COMMANDS: dict[str, CommandEntry] = {
    "validate": CommandEntry(
        "axl.cli.validate",
        "Check a workflow: build its DAG, print steps, edges and the hash (exit 2 if invalid).",
    ),
    "compile": CommandEntry(
        "axl.cli.compile",
        "Compile a workflow for an orchestrator (exit 1 if the check of the output finds errors).",
    ),
    "lint": CommandEntry(
        "axl.cli.lint",
        "Lint Argo Workflow, WorkflowTemplate or CronWorkflow YAML (exit 1 on errors, 2 if FILE "
        "is not YAML or the Argo version is not shipped).",
    ),
    "package": CommandEntry(
        "axl.cli.package",
        "Build a deterministic tar.gz of a workflow's code, named by its blake3 digest.",
    ),
    "build-image": CommandEntry(
        "axl.cli.build_image",
        "Build a workflow's image reproducibly: the same sources give the same image ID.",
    ),
    "run": CommandEntry("axl.cli.run", "Run a workflow."),
    "kfp": CommandEntry(
        "axl.cli.kfp",
        "Kubeflow Pipelines: upload a workflow as a pipeline version, and run it.",
    ),
    "runs": CommandEntry(
        "axl.cli.runs",
        "The runs of a workspace: list them, show one, write its HTML report, remove old ones.",
    ),
    "cache": CommandEntry(
        "axl.cli.cache", "The step cache: explain a key, list a store, remove old entries."
    ),
    "graph": CommandEntry(
        "axl.cli.graph",
        "Draw a workflow's DAG: steps with handler and badges (when, cache, retries, image), "
        "params as their own nodes.",
    ),
}


def load_command(name: str) -> Command:
    """Import the module of command ``name`` and build its click command."""
    holder = typer.Typer(rich_markup_mode=None)
    importlib.import_module(COMMANDS[name].module).register(holder)
    group = typer.main.get_group(holder)
    command = group.commands.get(name)
    if command is None:
        raise LookupError(f"{COMMANDS[name].module}.register() did not add the command {name!r}")
    return command


class LazyGroup(TyperGroup):
    """The ``axl`` group: commands from :data:`COMMANDS`, built on first use.

    With ``--json`` anywhere on the command line, a usage error (an unknown
    option, a missing or bad value) is the same JSON error object every
    command prints, ``{"ok": false, "error": {"code": "usage", ...}}``,
    instead of click's text; the exit code stays 2.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._loaded: dict[str, Command] = {}
        self._wants_json = False

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        self._wants_json = "--json" in (sys.argv[1:] if args is None else list(args))
        return super().main(args, *rest, **kwargs)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except ClickException as exc:
            raise self._as_json(exc) from None

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except ClickException as exc:
            raise self._as_json(exc) from None

    def _as_json(self, exc: ClickException) -> Exception:
        """The exception to raise: ``exc`` itself, or (under ``--json``) an exit after
        printing it as the JSON error object."""
        if not self._wants_json:
            return exc
        from axl.cli.common import emit_json

        where = exc.ctx.command_path if isinstance(exc, UsageError) and exc.ctx else "axl"
        error = {"code": "usage", "message": exc.format_message(), "hint": f"see {where} --help"}
        emit_json({"ok": False, "error": error})
        return typer.Exit(code=exc.exit_code)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = load_command(cmd_name)
        return self._loaded[cmd_name]

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """List the commands from the table: listing them must not load them."""
        width = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, textwrap.shorten(entry.short_help, width, placeholder="..."))
            for name, entry in COMMANDS.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
