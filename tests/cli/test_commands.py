"""The CLI's command table: it names every command, and ``axl --help`` loads none of them."""

from __future__ import annotations

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


def test_help_and_version_import_no_command_module() -> None:
    probe = (
        "import sys\n"
        "from axl.cli.app import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('axl.cli.', 'axl.ir', "
        "'axl.compiler', 'axl.runtime', 'pydantic', 'rich')))\n"
        "print(','.join(loaded))\n"
    )
    for argv in (["--help"], ["--version"]):
        out = subprocess.run(
            [sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True
        ).stdout.splitlines()[-1]
        assert sorted(filter(None, out.split(","))) == ["axl.cli.app", "axl.cli.commands"], argv


def test_a_command_loads_only_its_own_module() -> None:
    probe = (
        "import sys\n"
        "from axl.cli.app import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('axl.cli.'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, "runs", "--help"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[-1]
    assert set(out.split(",")) == {
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
