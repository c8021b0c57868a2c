"""What ``axl PATH --help`` says: the subcommands of a group, the options of a command.

The docs tests learn the CLI's surface from its help, as a reader would: a
documented subcommand or option that the help does not list does not exist.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys

_COMMANDS_HEADING = re.compile(r"^(?:Commands:|╭─ Commands )")
_COMMAND_ENTRY = re.compile(r"^(?:│ |  )([a-z][\w-]*)(?:\s|$)")


def subcommands(path: tuple[str, ...]) -> set[str]:
    """The subcommands ``axl PATH --help`` lists (none for a command that is not a group)."""
    names: set[str] = set()
    listing = False
    for line in help_text(path).splitlines():
        if _COMMANDS_HEADING.match(line):
            listing = True
        elif listing and (not line.strip() or line.startswith("╰")):
            listing = False
        elif listing and (match := _COMMAND_ENTRY.match(line)):
            names.add(match[1])
    return names


def subcommand_path(argv: tuple[str, ...]) -> tuple[str, ...]:
    """The subcommands an ``axl`` command line names; a word a group lacks is an error.

    Prose may name alternatives in one word (``axl kfp upload/run``): each must
    exist, and the path goes on with the first.
    """
    path: tuple[str, ...] = ()
    for word in argv:
        known = subcommands(path)
        if word.startswith("-") or not known:
            break
        for name in word.split("/"):
            if name not in known:
                listed = ", ".join(sorted(known))
                where = " ".join(("axl", *path))
                raise LookupError(f"{where} has no subcommand {name!r} ({listed})")
        path = (*path, word.split("/")[0])
    return path


def cli_environment(**extra: str) -> dict[str, str]:
    """The environment axl runs in for the docs tests: no AWS or AXL settings, plain help."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AXL_"))}
    env.update({"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb", **extra})
    return env


@functools.cache
def help_text(path: tuple[str, ...]) -> str:
    """What ``axl PATH --help`` prints (it must succeed)."""
    done = subprocess.run(
        [sys.executable, "-m", "axl", *path, "--help"],
        capture_output=True,
        text=True,
        env=cli_environment(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"axl {' '.join(path)} --help: {done.stderr}"
    return done.stdout


def options_used(argv: tuple[str, ...], path: tuple[str, ...]) -> list[str]:
    """The options (``--name``, ``-m``) a command line gives after its subcommands."""
    used = []
    for word in argv[len(path) :]:
        if word.startswith("-") and word != "-" and not re.match(r"^-\d", word):
            used.append(word.split("=", 1)[0])
    return used


def in_help(option: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None
