"""README.md and docs/*.md say only what is true: their links resolve and their commands work.

Links: every relative link and image resolves to a file or folder of the
repository, and every ``#anchor`` to a heading of the page it names
(GitHub's slugs).

Commands: every ``axl`` command shown in a shell block (see
``tests/docs/commands.py`` for what counts) names an existing subcommand, and
every option it uses is in that subcommand's ``--help``. A command is also
*run*, in a copy of the repository's examples in a temporary folder (its
workspace, ``.axl``, is in that folder), when the rule below allows it; it must
then end with its expected exit code (0 unless the line says ``# exit N``),
and in a ``console`` block print the lines shown after it (``...`` matches
anything).

The rule: a command is run for real when its subcommand is in
:data:`RUN_FOR_REAL` and it needs nothing this machine lacks
(:func:`why_not_run`): no cluster, registry or S3 (``--host``, ``--push``, an
``s3://`` value unless ``--no-upload`` keeps the code archive here), except one
at ``http://127.0.0.1:PORT`` (this machine: a page may show what an unreachable
server prints); no placeholder (``RUN_ID``, ``<id>``, ``...``); and the files it
reads (the ``-m`` workflow, ``--params``, ``--image-from``, ...) are in the copy
when it runs: a file that is not is the reader's own project (unless the
command is meant to fail, ``# exit N``). Every other command is only
parsed. The commands of one page run in the page's order in one copy, so a
page may compile a file and lint it, or run a workflow and list its runs; a
Python, YAML or TOML block whose first line is ``# path/to/file.py`` is written
to that file of the copy first (unless the copy has it), so a page can show a
workflow and the command that runs it.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.commands import DocCommand, commands, inline_commands
from tests.docs.markdown import Page, anchors, links, read_page

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(
    [ROOT / "README.md", *(ROOT / "docs").glob("*.md")], key=lambda p: p.relative_to(ROOT)
)
PAGE_IDS = [str(page.relative_to(ROOT)) for page in PAGES]

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


@functools.cache
def _page(path: Path) -> Page:
    return read_page(path.read_text(encoding="utf-8"))


# --- links -------------------------------------------------------------------------


def link_problems(page_path: Path) -> list[str]:
    """Each relative link of a page that names no file, or no heading of the page it names."""
    page = _page(page_path)
    broken: list[str] = []
    for link in links(page):
        if link.is_external:
            continue
        location, _, anchor = link.target.partition("#")
        if location:
            base = ROOT if location.startswith("/") else page_path.parent
            target = (base / location.lstrip("/")).resolve()
            if not target.exists():
                broken.append(f"line {link.line}: {link.target}: no file {location}")
                continue
        else:
            target = page_path
        if anchor and target.suffix == ".md" and anchor not in anchors(_page(target)):
            broken.append(f"line {link.line}: {link.target}: no heading #{anchor} in {target.name}")
    return broken


@pytest.mark.parametrize("page_path", PAGES, ids=PAGE_IDS)
def test_every_relative_link_resolves(page_path: Path) -> None:
    """A relative link names an existing file, and its #anchor a heading of that page."""
    broken = link_problems(page_path)
    assert not broken, f"{page_path.name}: broken links:\n" + "\n".join(broken)


def test_a_broken_link_is_named(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Top\n[ok](#top) [gone](missing.md) [here](page.md#top) [no](page.md#nowhere)\n"
        "[web](https://example.org/x.md)\n",
        encoding="utf-8",
    )
    assert link_problems(page) == [
        "line 2: missing.md: no file missing.md",
        "line 2: page.md#nowhere: no heading #nowhere in page.md",
    ]


def test_slugs_follow_github() -> None:
    """Anchors as GitHub makes them: lower case, punctuation dropped, repeats numbered."""
    page = read_page(
        "# How `axl run local` works\n## Compile\n```sh\n# Compile\n```\n## Compile\n"
        "### Kubeflow Pipelines (v2): *the* [pipeline](x.md)\n## Why did it miss?\n"
    )
    assert anchors(page) == {
        "how-axl-run-local-works",
        "compile",
        "compile-1",
        "kubeflow-pipelines-v2-the-pipeline",
        "why-did-it-miss",
    }


def test_links_spanning_lines_and_code_are_read_as_github_reads_them() -> None:
    page = read_page(
        "See [Deploying with\nPulumi](#deploying-with-pulumi) and `[not](a-link.md)`.\n"
        "```sh\n[nor](this.md)\n```\n![shot](docs/x.png)\n[ref]: docs/y.md\n"
    )
    assert [(link.line, link.target) for link in links(page)] == [
        (1, "#deploying-with-pulumi"),
        (6, "docs/x.png"),
        (7, "docs/y.md"),
    ]


# --- commands: what they are ----------------------------------------------------------


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
    """The subcommands an ``axl`` command line names; a word a group lacks is an error."""
    path: tuple[str, ...] = ()
    for word in argv:
        known = subcommands(path)
        if word.startswith("-") or not known:
            break
        if word not in known:
            listed = ", ".join(sorted(known))
            raise LookupError(f"{' '.join(('axl', *path))} has no subcommand {word!r} ({listed})")
        path = (*path, word)
    return path


def _environment(**extra: str) -> dict[str, str]:
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
        env=_environment(),
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


def _in_help(option: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def _page_commands(page_path: Path) -> list[DocCommand]:
    return commands(_page(page_path).blocks)


def parse_problems(page_path: Path) -> list[str]:
    """Each command of a page that names no subcommand, or an option its --help lacks."""
    wrong: list[str] = []
    shown = [*_page_commands(page_path), *inline_commands(_page(page_path))]
    for command in sorted(shown, key=lambda c: c.line):
        try:
            path = subcommand_path(command.argv)
        except LookupError as exc:
            wrong.append(f"{command.where}: {exc}")
            continue
        text = help_text(path)
        missing = [opt for opt in options_used(command.argv, path) if not _in_help(opt, text)]
        if missing:
            name = " ".join(("axl", *path))
            wrong.append(f"{command.where}: {name} has no option {', '.join(missing)}")
    return wrong


@pytest.mark.parametrize("page_path", PAGES, ids=PAGE_IDS)
def test_every_command_shown_parses(page_path: Path) -> None:
    """Each ``axl`` command (in a shell block or inline code) names a real subcommand and only
    options its --help lists."""
    wrong = parse_problems(page_path)
    assert not wrong, f"{page_path.name}: commands that do not parse:\n" + "\n".join(wrong)


def test_a_command_that_does_not_parse_is_named(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```console\n$ axl validate -m x.py:X --nope\n$ axl runs nosuch --json\n"
        "$ uv run axl cache ls --json | jq .\n```\n"
        "A table: `axl lint FILE [--json] [--nope]`, `axl ...`, `axl run local -m T [--only S]`.\n",
        encoding="utf-8",
    )
    problems = parse_problems(page)
    assert problems[0] == "line 2: axl validate -m x.py:X --nope: axl validate has no option --nope"
    assert problems[1].startswith("line 3: axl runs nosuch --json: axl runs has no subcommand")
    assert problems[2] == "line 6: axl lint FILE [--json] [--nope]: axl lint has no option --nope"
    assert len(problems) == 3


# --- commands: running them -----------------------------------------------------------


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


def _copy_of_the_repository(into: Path) -> Path:
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


def write_shown_files(page_path: Path, cwd: Path) -> None:
    """Write each Python, YAML or TOML block that starts with ``# path/to/file.py`` to that file.

    A page may show a workflow and then the command that runs it. A file the
    copy already has (``# examples/quickstart.py``) is left as the repository has it.
    """
    for block in _page(page_path).blocks:
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
    env = _environment(AXL_PACKAGES_DIR=str(tmp / "packages"), **dict(command.env))
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


def named_commands(page_path: Path) -> list[tuple[DocCommand, tuple[str, ...]]]:
    """Each command of a page that names real subcommands, with their path."""
    found = []
    for command in _page_commands(page_path):
        try:
            found.append((command, subcommand_path(command.argv)))
        except LookupError:
            continue  # test_every_command_shown_parses reports it
    return found


def runnable(page_path: Path, cwd: Path) -> list[tuple[DocCommand, str | None]]:
    """Each command of a page that names real subcommands, and why it is not run (or None).

    Files are looked for as they are now: a file an earlier command of the page
    writes is there only once that command ran (see :func:`run_page`).
    """
    return [
        (command, why_not_run(command, path, cwd)) for command, path in named_commands(page_path)
    ]


def run_page(page_path: Path, cwd: Path, tmp: Path) -> list[str]:
    """Run the page's commands that the rule allows, in its order; what went wrong."""
    write_shown_files(page_path, cwd)
    failures = []
    for command, path in named_commands(page_path):
        if why_not_run(command, path, cwd) is None:
            failure = run_command(command, cwd, tmp)
            if failure:
                failures.append(failure)
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("page_path", PAGES, ids=PAGE_IDS)
def test_the_commands_shown_run(page_path: Path, tmp_path: Path) -> None:
    """The page's cheap commands, run in its order in a copy of the examples, do what it says."""
    cwd = _copy_of_the_repository(tmp_path / "repo")
    failures = run_page(page_path, cwd, tmp_path)
    assert not failures, f"{page_path.name}: commands that fail:\n" + "\n\n".join(failures)


def test_the_quickstart_is_run_for_real(tmp_path: Path) -> None:
    """The rule keeps the README's quickstart commands among those run, not merely parsed."""
    cwd = _copy_of_the_repository(tmp_path)
    run = [
        command.argv[: 1 + (command.argv[0] == "run")]
        for command, reason in runnable(ROOT / "README.md", cwd)
        if reason is None and "examples/quickstart.py:Hello" in command.argv
    ]
    assert ("validate",) in run
    assert ("run", "local") in run


def test_the_rule_parses_only_what_needs_more_than_this_machine(tmp_path: Path) -> None:
    cwd = _copy_of_the_repository(tmp_path)
    page = tmp_path / "page.md"
    page.write_text(
        "```sh\n"
        "axl validate -m examples/quickstart.py:Hello\n"
        "axl validate -m flows/train.py:Train\n"
        "axl kfp upload -m examples/quickstart.py:Hello --host http://localhost:8888\n"
        "axl compile -m examples/quickstart.py:Hello --target argo --code-bucket s3://b/p\n"
        "axl runs ls --workspace <dir>\n"
        "axl kfp upload -m examples/quickstart.py:Hello --host http://127.0.0.1:9\n"
        "AWS_ENDPOINT_URL=http://127.0.0.1:9 axl compile -m examples/quickstart.py:Hello"
        " --target argo --code-bucket s3://b/p\n"
        "axl build-image -m examples/quickstart.py:Hello --tag localhost/hello:1\n"
        "```\n",
        encoding="utf-8",
    )
    reasons = [reason for _, reason in runnable(page, cwd)]
    assert reasons == [
        None,
        "flows/train.py:Train is the reader's own file",
        "--host needs a KFP server",
        "it needs S3",
        "'<dir>' is a placeholder",
        None,
        None,
        "axl build-image is not run by the docs tests",
    ]


def test_a_command_that_ends_or_prints_otherwise_is_named(tmp_path: Path) -> None:
    cwd = _copy_of_the_repository(tmp_path / "repo")
    page = read_page(
        "```console\n$ axl validate -m examples/quickstart.py:Hello\nhello (...): 3 steps, 2 edges\n"
        "$ axl validate -m examples/quickstart.py:Hello\nhello: 4 steps\n"
        "$ axl validate -m examples/quickstart.py:Nope  # exit 2\nerror: ...Nope...\n"
        "$ axl validate -m examples/quickstart.py:Nope\n```\n"
    )
    found = [run_command(command, cwd, tmp_path) for command in commands(page.blocks)]
    assert found[0] is None
    assert found[1] is not None and "the page shows lines it did not print" in found[1]
    assert found[2] is None
    assert found[3] is not None and "exit 2, expected 0" in found[3]
