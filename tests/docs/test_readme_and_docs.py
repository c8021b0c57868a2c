"""README.md and docs/*.md say only what is true: their links resolve and their commands work.

Links: every relative link and image resolves to a file or folder of the
repository, and every ``#anchor`` to a heading of the page it names
(GitHub's slugs).

Commands: every ``axl`` command shown in a shell block or as inline code (see
``tests/docs/commands.py`` for what counts) names an existing subcommand, and
every option it uses is in that subcommand's ``--help``. The cheap, local ones
are also *run*, by the rule of ``tests/docs/rule.py`` (commands needing a
cluster, a registry or S3 are only parsed), in a copy of the repository's
examples in a temporary folder (their workspace, ``.axl``, is in that folder):
each must end with its expected exit code (0 unless the line says ``# exit
N``), and in a ``console`` block print the lines shown after it (``...``
matches anything). The commands of one page run in the page's order in one
copy, so a page may compile a file and lint it, or run a workflow and list its
runs; a Python, YAML or TOML block whose first line is ``# path/to/file.py`` is
written to that file of the copy first (unless the copy has it), so a page can
show a workflow and the command that runs it.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from tests.docs.cli_help import help_text, in_help, options_used, subcommand_path
from tests.docs.commands import DocCommand, commands, inline_commands
from tests.docs.markdown import Page, anchors, links, read_page
from tests.docs.rule import why_not_run
from tests.docs.running import ROOT, copy_of_the_repository, run_command, write_shown_files

PAGES = sorted(
    [ROOT / "README.md", *(ROOT / "docs").glob("*.md")], key=lambda p: p.relative_to(ROOT)
)
PAGE_IDS = [str(page.relative_to(ROOT)) for page in PAGES]


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


@pytest.mark.parametrize("page_path", PAGES, ids=PAGE_IDS)
def test_every_python_block_is_python(page_path: Path) -> None:
    """A reader can paste every ``python`` block: each one at least compiles."""
    wrong = []
    for block in _page(page_path).blocks:
        if block.language != "python":
            continue
        try:
            compile("\n".join(block.lines), f"{page_path.name}:{block.line}", "exec")
        except SyntaxError as exc:
            wrong.append(f"line {block.line + (exc.lineno or 1) - 1}: {exc.msg}")
    assert not wrong, f"{page_path.name}: Python blocks that do not compile:\n" + "\n".join(wrong)


# --- commands: what they are ----------------------------------------------------------


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
        missing = [opt for opt in options_used(command.argv, path) if not in_help(opt, text)]
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
        "A table: `axl lint FILE [--json] [--nope]`, `axl ...`, `axl run local -m T [--only S]`,\n"
        "`axl kfp upload/run`, `axl runs ls/nosuch`.\n",
        encoding="utf-8",
    )
    problems = parse_problems(page)
    assert problems[0] == "line 2: axl validate -m x.py:X --nope: axl validate has no option --nope"
    assert problems[1].startswith("line 3: axl runs nosuch --json: axl runs has no subcommand")
    assert problems[2] == "line 6: axl lint FILE [--json] [--nope]: axl lint has no option --nope"
    assert problems[3].startswith("line 7: axl runs ls/nosuch: axl runs has no subcommand 'nosuch'")
    assert len(problems) == 4


# --- commands: running them -----------------------------------------------------------


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
    write_shown_files(_page(page_path), cwd)
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
    cwd = copy_of_the_repository(tmp_path / "repo")
    failures = run_page(page_path, cwd, tmp_path)
    assert not failures, f"{page_path.name}: commands that fail:\n" + "\n\n".join(failures)


def test_the_quickstart_is_run_for_real(tmp_path: Path) -> None:
    """The rule keeps the README's quickstart commands among those run, not merely parsed."""
    cwd = copy_of_the_repository(tmp_path)
    run = [
        command.argv[: 1 + (command.argv[0] == "run")]
        for command, reason in runnable(ROOT / "README.md", cwd)
        if reason is None and "examples/quickstart.py:Hello" in command.argv
    ]
    assert ("validate",) in run
    assert ("run", "local") in run


def test_the_rule_parses_only_what_needs_more_than_this_machine(tmp_path: Path) -> None:
    cwd = copy_of_the_repository(tmp_path)
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
    cwd = copy_of_the_repository(tmp_path / "repo")
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
