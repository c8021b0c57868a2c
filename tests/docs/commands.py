"""The ``axl`` command lines shown in the docs' shell blocks, and how the docs tests treat them.

A shell block is a fenced block whose language is ``sh``, ``bash``, ``shell``
or ``console``. In a ``console`` block only the lines after a ``$`` prompt are
commands; the lines up to the next prompt are what the command prints. In the
others every line is a command. A line ending in ``\\`` continues on the
next. ``VAR=value`` words before the command are its environment, and a
``uv run`` before ``axl`` is dropped. Only commands that start with ``axl`` are
checked; the part after the first shell operator (``|``, ``&&``, ``;``, ``&``)
is not, and ``> FILE`` sends the command's standard output to FILE.

A trailing comment ``# exit N`` says which exit code the command is meant to
end with (default 0): a troubleshooting page shows commands that fail.

Inline code in the prose that starts with ``axl `` (a command table's
``axl lint FILE [--json]``) is a command too, read the same way; its optional
parts' brackets are dropped (``[--json]`` is ``--json``). Such commands are
only parsed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from tests.docs.markdown import CodeBlock, Page

SHELL_LANGUAGES = frozenset({"sh", "bash", "shell", "console"})
_OPERATORS = frozenset({"|", "||", "&&", ";", "&", ">", ">>", "<", "2>", "&>"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_EXPECTED_EXIT = re.compile(r"#\s*exit\s+(\d+)\s*$")
_PROMPT = "$ "


@dataclass(frozen=True)
class DocCommand:
    """One ``axl ...`` command line of a doc."""

    line: int
    text: str
    """The command as written (continuation lines joined)."""
    argv: tuple[str, ...]
    """The words after ``axl``, up to the first shell operator."""
    env: tuple[tuple[str, str], ...]
    stdout_file: str | None
    expected_exit: int
    expected_output: tuple[str, ...]
    """The lines a ``console`` block shows after the command (empty elsewhere)."""

    @property
    def where(self) -> str:
        """``line N: axl ...`` for messages."""
        return f"line {self.line}: {self.text}"


def _logical_lines(block: CodeBlock) -> list[tuple[int, str]]:
    """The block's lines with ``\\`` continuations joined, each with its first line number."""
    joined: list[tuple[int, str]] = []
    pending: list[str] = []
    first = 0
    for offset, raw in enumerate(block.lines):
        if not pending:
            first = block.line + offset
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped.strip())
        joined.append((first, " ".join(part for part in pending if part)))
        pending = []
    if pending:
        joined.append((first, " ".join(part for part in pending if part)))
    return joined


def _words(text: str) -> list[str]:
    """Shell words and operators of a command line, without its comment."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    for word in lexer:
        if word.startswith("#"):  # a word that starts with '#' starts a comment, as in sh
            break
        words.append(word)
    return words


def _parse(line: int, text: str, output: tuple[str, ...]) -> DocCommand | None:
    try:
        words = _words(text)
    except ValueError:  # an unbalanced quote: not a command line the docs mean to run
        return None
    env: list[tuple[str, str]] = []
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env.append((name, value))
    if words[:2] == ["uv", "run"]:
        words = words[2:]
    if not words or words[0] != "axl":
        return None
    argv: list[str] = []
    stdout_file = None
    rest = words[1:]
    for index, word in enumerate(rest):
        if word in _OPERATORS:
            if word == ">" and index + 1 < len(rest):
                stdout_file = rest[index + 1]
            break
        argv.append(word)
    expected = _EXPECTED_EXIT.search(text)
    return DocCommand(
        line=line,
        text=text,
        argv=tuple(argv),
        env=tuple(env),
        stdout_file=stdout_file,
        expected_exit=int(expected[1]) if expected else 0,
        expected_output=output,
    )


def commands(blocks: tuple[CodeBlock, ...]) -> list[DocCommand]:
    """Every ``axl`` command of the shell blocks, in the order a reader meets them."""
    found: list[DocCommand] = []
    for block in blocks:
        if block.language not in SHELL_LANGUAGES:
            continue
        lines = _logical_lines(block)
        if block.language != "console":
            for number, text in lines:
                command = _parse(number, text, ())
                if command:
                    found.append(command)
            continue
        for index, (number, text) in enumerate(lines):
            if not text.startswith(_PROMPT.strip()):
                continue
            output: list[str] = []
            for _, after in lines[index + 1 :]:
                if after.startswith(_PROMPT.strip()):
                    break
                if after:
                    output.append(after)
            command = _parse(number, text[1:].strip(), tuple(output))
            if command:
                found.append(command)
    return found


_INLINE_COMMAND = re.compile(r"(?<!`)`(?P<text>(?:uv run )?axl [^`]+)`(?!`)")


def inline_commands(page: Page) -> list[DocCommand]:
    """Every ``axl`` command written as inline code in the prose (never run, only parsed)."""
    found: list[DocCommand] = []
    for match in _INLINE_COMMAND.finditer(page.prose):
        text = " ".join(match["text"].split())
        command = _parse(page.prose.count("\n", 0, match.start()) + 1, text, ())
        if command is None or not command.argv or command.argv[0].startswith(("[", ".")):
            continue  # `axl ...`, `axl [OPTIONS]`: a placeholder, not a command line
        argv = tuple(word.strip("[]") for word in command.argv)
        found.append(
            DocCommand(
                line=command.line,
                text=command.text,
                argv=tuple(word for word in argv if word),
                env=command.env,
                stdout_file=None,
                expected_exit=command.expected_exit,
                expected_output=(),
            )
        )
    return found
