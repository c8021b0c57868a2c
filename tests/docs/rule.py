"""Which of a page's commands the docs tests run for real; the others are only parsed.

The rule: a command is run for real when its subcommand is in
:data:`RUN_FOR_REAL` and it needs nothing this machine lacks
(:func:`why_not_run`): no cluster, registry or S3 (``--host``, ``--push``, an
``s3://`` value unless ``--no-upload`` keeps the code archive here), except one
at ``http://127.0.0.1:PORT`` (this machine: a page may show what an unreachable
server prints); no placeholder (``RUN_ID``, ``<id>``, ``...``); and the files it
reads (the ``-m`` workflow, ``--params``, ``--image-from``, ...) are in the copy
when it runs: a file that is not is the reader's own project (unless the
command is meant to fail, ``# exit N``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from tests.docs.commands import DocCommand

RUN_FOR_REAL = frozenset(
    {
        ("validate",),
        ("compile",),
        ("lint",),
        ("package",),
        ("graph",),
        ("run", "local"),
        ("runs", "ls"),
        ("runs", "show"),
        ("runs", "report"),
        ("runs", "gc"),
        ("cache", "ls"),
        ("cache", "gc"),
        ("cache", "clear"),
        ("cache", "explain"),
        ("kfp", "upload"),
        ("kfp", "run"),
    }
)
"""Subcommands cheap and local enough to run from the docs; the others are only parsed."""

NEEDS_A_SERVICE = {
    "--host": "a KFP server",
    "--push": "a registry",
    "--engine": "a container engine",
}
"""Options whose command reaches something outside this machine: such a command is parsed only
(``--host`` and S3 are run when their URL is this machine's, :data:`THIS_MACHINE`)."""

THIS_MACHINE = "http://127.0.0.1:"
S3_ENDPOINTS = ("--s3-endpoint", "--artifact-endpoint", "--cache-endpoint")

NEEDS_A_PROGRAM = {("--format", "svg"): "dot", ("--format", "png"): "dot"}
"""Option values that need a program: the command runs only where it is installed."""

READS_FILES = frozenset({"-m", "--module", "--params", "--image-from", "--workflow-archive"})
"""Options naming a file the command reads (with ``axl lint``'s FILE argument)."""

COPIED = ("examples", "pyproject.toml", "uv.lock", ".gitignore")
"""What of the repository a page's commands run in (its workflows and project files)."""

_PLACEHOLDER = re.compile(r"<[A-Za-z][\w-]*>|\.\.\.")
_PLACEHOLDER_WORD = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _option_values(argv: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    for index, word in enumerate(argv):
        if word.startswith("-") and "=" in word:
            name, _, value = word.partition("=")
            yield name, value
        elif word.startswith("-") and index + 1 < len(argv):
            yield word, argv[index + 1]


def _workflow_file(target: str, cwd: Path) -> Path | None:
    """The file of a ``-m`` TARGET (``file.py:Class`` or ``package.module:Class``)."""
    module = target.split(":", 1)[0]
    if module.endswith(".py"):
        return cwd / module
    candidates = [cwd / (module.replace(".", "/") + ".py"), cwd / module.replace(".", "/")]
    return next((c for c in candidates if c.exists()), None)


def why_not_run(command: DocCommand, path: tuple[str, ...], cwd: Path) -> str | None:
    """Why a command is only parsed, or None when the test runs it (the rule above)."""
    if path not in RUN_FOR_REAL:
        return f"axl {' '.join(path)} is not run by the docs tests"
    written = command.text.split(" #", 1)[0]
    if placeholder := _PLACEHOLDER.search(written):
        return f"{placeholder[0]!r} is a placeholder"
    values = list(_option_values(command.argv))
    for word in command.argv:
        if _PLACEHOLDER_WORD.match(word):
            return f"{word!r} is a placeholder"
    if any("s3://" in word for word in command.argv) and "--no-upload" not in command.argv:
        endpoints = [v for n, v in values if n in S3_ENDPOINTS]
        endpoints += [v for n, v in command.env if n.startswith("AWS_ENDPOINT_URL")]
        if not endpoints or not all(e.startswith(THIS_MACHINE) for e in endpoints):
            return "it needs S3"
    for option, what in NEEDS_A_SERVICE.items():
        if option in command.argv and not (
            option == "--host" and dict(values)[option].startswith(THIS_MACHINE)
        ):
            return f"{option} needs {what}"
    for pair, program in NEEDS_A_PROGRAM.items():
        if pair in values and shutil.which(program) is None:
            return f"{' '.join(pair)} needs {program}"
    if command.expected_exit != 0:
        return None  # a page showing an error: a missing file may be the point
    read = [value for name, value in values if name in READS_FILES]
    if path == ("lint",):
        read += [w for w in command.argv[1:] if not w.startswith("-") and w != "-"][-1:]
    for value in read:
        file = _workflow_file(value, cwd) if value.count(":") == 1 else cwd / value
        if file is None or not file.exists():
            return f"{value} is the reader's own file"
    return None
