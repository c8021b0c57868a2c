"""Running a page's commands: a copy of the repository, the files a page shows, one command.

See ``tests/docs/rule.py`` for which commands run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.docs.cli_help import cli_environment
from tests.docs.commands import DocCommand
from tests.docs.markdown import Page

ROOT = Path(__file__).resolve().parents[2]

COPIED = ("examples", "pyproject.toml", "uv.lock", ".gitignore")
"""What of the repository a page's commands run in (its workflows and project files)."""


def copy_of_the_repository(into: Path) -> Path:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, into / name, ignore=shutil.ignore_patterns(".axl", "__pycache__")
            )
        elif source.exists():
            shutil.copy2(source, into / name)
    return into


_FILE_COMMENT = re.compile(r"^#\s*(?P<path>[\w./-]+\.(?:py|ya?ml|toml))\s*$")
_FILE_LANGUAGES = frozenset({"python", "yaml", "toml"})


def write_shown_files(page: Page, cwd: Path) -> None:
    """Write each Python, YAML or TOML block that starts with ``# path/to/file.py`` to that file.

    A page may show a workflow and then the command that runs it. A file the
    copy already has (``# examples/quickstart.py``) is left as the repository has it.
    """
    for block in page.blocks:
        if block.language not in _FILE_LANGUAGES or not block.lines:
            continue
        match = _FILE_COMMENT.match(block.lines[0].strip())
        if not match or match["path"].startswith(("/", "..")):
            continue
        target = cwd / match["path"]
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("\n".join(block.lines) + "\n", encoding="utf-8")


def _matches(expected: str, printed: list[str]) -> bool:
    words = [re.escape(" ".join(part.split())) for part in expected.split("...")]
    pattern = re.compile(r".*?".join(words))
    return any(pattern.search(" ".join(line.split())) for line in printed)


def run_command(command: DocCommand, cwd: Path, tmp: Path) -> str | None:
    """Run one command; what went wrong, or None."""
    env = cli_environment(AXL_PACKAGES_DIR=str(tmp / "packages"), **dict(command.env))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "axl", *command.argv],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"{command.where}: did not end within 300 s"
    if command.stdout_file:
        (cwd / command.stdout_file).write_text(done.stdout, encoding="utf-8")
    printed = (done.stdout + done.stderr).splitlines()
    if done.returncode != command.expected_exit:
        tail = "\n    ".join(printed[-6:])
        return f"{command.where}: exit {done.returncode}, expected {command.expected_exit}:\n    {tail}"
    missing = [line for line in command.expected_output if not _matches(line, printed)]
    if missing:
        return (
            f"{command.where}: the page shows lines it did not print:\n    "
            + "\n    ".join(missing)
            + "\n  it printed:\n    "
            + "\n    ".join(printed)
        )
    return None
