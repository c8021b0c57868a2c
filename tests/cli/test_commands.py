"""The CLI's command table: it names every command, and ``axl --help`` loads none of them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from axl.cli.app import app
from axl.cli.commands import COMMANDS, LazyGroup, load_command


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_says_what_the_command_says(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert command.get_short_help_str(limit=10_000) == COMMANDS[name].short_help


def test_help_lists_every_command_in_the_table_order() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    listed = [
        line.split()[0]
        for line in result.output.split("Commands:")[1].splitlines()
        if line.startswith("  ")
    ]
    assert listed == list(COMMANDS)


_PROBE = (
    "import json, sys\n"
    "from axl.cli.app import main\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(json.dumps(sorted(sys.modules)))\n"
)


def modules_loaded(*argv: str, prefixes: tuple[str, ...]) -> set[str]:
    """The modules starting with one of ``prefixes`` that ``axl ARGV`` imported."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True
    )
    return {m for m in json.loads(done.stdout.splitlines()[-1]) if m.startswith(prefixes)}


def test_help_and_version_import_no_command_module() -> None:
    heavy = ("axl.cli.", "axl.ir", "axl.compiler", "axl.runtime", "pydantic", "rich")
    for argv in (["--help"], ["--version"]):
        loaded = modules_loaded(*argv, prefixes=heavy)
        assert loaded == {"axl.cli.app", "axl.cli.commands"}, argv


def test_a_command_loads_only_its_own_module() -> None:
    assert modules_loaded("runs", "--help", prefixes=("axl.cli.",)) == {
        "axl.cli.app",
        "axl.cli.commands",
        "axl.cli.common",
        "axl.cli.runs",
    }


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.output


def test_a_loaded_command_is_built_once() -> None:
    group = app_group()
    ctx = typer.Context(group)
    assert group.get_command(ctx, "validate") is group.get_command(ctx, "validate")
    assert group.get_command(ctx, "nope") is None


def app_group() -> LazyGroup:
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    return group
