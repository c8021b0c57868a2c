"""Ignore rules: the same files as `git ls-files --others --exclude-standard`, plus axl's own."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from axl.packaging.ignore import parse_lines, select_files, walk_tree

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _git_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


def git_listing(repo: Path, cwd: Path | None = None) -> list[str]:
    """Untracked, not ignored files as git sees them, relative to ``cwd``."""
    out = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z"],
        cwd=cwd or repo,
        env=_git_env(repo.parent),
        capture_output=True,
        check=True,
        timeout=30,
    )
    names = [os.fsdecode(n) for n in out.stdout.split(b"\0") if n]
    return sorted(names)


def make_tree(root: Path, files: list[str], ignores: dict[str, str]) -> None:
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel)
    for rel, text in ignores.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def init_repo(root: Path) -> None:
    subprocess.run(
        ["git", "init", "-q", str(root)], env=_git_env(root.parent), check=True, timeout=30
    )


FILES = [
    "a.txt",
    "b.py",
    "ab",
    "x*y",
    "a/b.txt",
    "a/b/c.txt",
    "a/b/ab",
    "a/c/b.py",
    "b/a.txt",
    "b/a/b",
    "c/a/b/c/d.txt",
    "docs/build/index.html",
    "build/out.bin",
    "src/pkg/build/gen.py",
    "src/pkg/mod.py",
    "logs/debug.log",
    "logs/keep.log",
    "trailing ",
    "#hash",
    "!bang",
    "caf\u00e9.txt",
    "data/x.csv",
    "data/sub/y.csv",
]

CASES = {
    "star": "*.txt\n",
    "anchored": "/a.txt\n",
    "dir_only": "build/\n",
    "anchored_dir": "/build/\n",
    "inner_slash": "a/b\n",
    "double_star_lead": "**/b\n",
    "double_star_mid": "c/**/d.txt\n",
    "double_star_tail": "a/**\n",
    "double_star_inline": "a**b\nc/**b/x\n",
    "negation": "*.log\n!keep.log\n",
    "negation_under_excluded_dir": "logs/\n!logs/keep.log\n",
    "reinclude_files_of_dir": "logs/*\n!logs/keep.log\n",
    "question": "?b\n",
    "classes": "[ab].txt\n[!a]/\n[a-c]b\n",
    "posix_class": "[[:alpha:]].py\n[[:digit:]]\n",
    "unclosed_class": "[ab\n*.py\n",
    "comments_and_blank": "# a.txt\n\n   \n*.py\n",
    "escapes": "\\#hash\n\\!bang\nx\\*y\n",
    "trailing_spaces": "trailing\\ \nab   \n",
    "utf8": "caf?.txt\ncaf??.txt\n",
    "crlf": "*.py\r\n/ab\r\n",
    "only_dirs_named": "a/\n",
    "nested_negation_order": "data/**/*.csv\n!data/x.csv\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_root_gitignore_matches_git(tmp_path, name):
    root = tmp_path / "repo"
    make_tree(root, FILES, {".gitignore": CASES[name]})
    init_repo(root)
    assert walk_tree(root) == git_listing(root)


def test_nested_gitignore_files_apply_to_their_subtree(tmp_path):
    root = tmp_path / "repo"
    ignores = {
        ".gitignore": "*.csv\n!y.csv\n",
        "a/.gitignore": "/b.txt\nab\n!*.txt\n",
        "data/.gitignore": "!x.csv\nsub/\n",
        "src/pkg/.gitignore": "build\n",
        "c/a/.gitignore": "b/c/\n",
    }
    make_tree(root, [*FILES, "a/x.txt"], ignores)
    init_repo(root)
    assert walk_tree(root) == git_listing(root)


def test_gitignore_above_the_root_counts_inside_a_work_tree(tmp_path):
    repo = tmp_path / "repo"
    make_tree(
        repo,
        [f"projects/one/{f}" for f in FILES],
        {".gitignore": "*.csv\n/projects/one/build/\n", "projects/.gitignore": "one/b.py\n"},
    )
    init_repo(repo)
    root = repo / "projects" / "one"
    assert walk_tree(root) == git_listing(repo, cwd=root)
    assert "data/x.csv" not in walk_tree(root)


def test_gitignore_above_the_root_is_ignored_outside_a_work_tree(tmp_path):
    make_tree(tmp_path, ["proj/a.csv"], {".gitignore": "*.csv\n"})
    assert walk_tree(tmp_path / "proj") == ["a.csv"]


def _random_pattern(rng: random.Random) -> str:
    pieces = ["a", "b", "ab", "c", "*", "?", "**", "[ab]", "[!a]", "a*", "*b", "[a-c]", "*.txt"]
    body = "/".join(rng.choice(pieces) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.25:
        body = "/" + body
    if rng.random() < 0.25:
        body += "/"
    if rng.random() < 0.3:
        body = "!" + body
    return body


def test_random_patterns_match_git(tmp_path):
    rng = random.Random(20240611)
    root = tmp_path / "repo"
    make_tree(root, FILES, {})
    init_repo(root)
    for _ in range(60):
        root_rules = "\n".join(_random_pattern(rng) for _ in range(rng.randint(1, 4)))
        nested_rules = "\n".join(_random_pattern(rng) for _ in range(rng.randint(0, 2)))
        (root / ".gitignore").write_text(root_rules + "\n")
        (root / "a" / ".gitignore").write_text(nested_rules + "\n")
        assert walk_tree(root) == git_listing(root), (root_rules, nested_rules)


def test_axlignore_overrides_gitignore_and_extra_patterns_come_last(tmp_path):
    make_tree(
        tmp_path,
        ["keep.csv", "drop.csv", "notes.md", "data/big.bin"],
        {".gitignore": "*.csv\n", ".axlignore": "!keep.csv\ndata/\n"},
    )
    assert walk_tree(tmp_path) == [".axlignore", ".gitignore", "keep.csv", "notes.md"]
    assert walk_tree(tmp_path, extra_patterns=["*.md", "!data/"]) == [
        ".axlignore",
        ".gitignore",
        "data/big.bin",
        "keep.csv",
    ]


def test_always_excluded_even_when_re_included(tmp_path):
    files = [
        "flow.py",
        "flow.pyc",
        "__pycache__/flow.cpython-311.pyc",
        ".git/config",
        ".venv/lib/site.py",
        "venv/lib/site.py",
        "env/pyvenv.cfg",
        "env/lib/site.py",
        ".axl/runs/x.json",
        ".mypy_cache/x",
        ".pytest_cache/x",
        ".ruff_cache/x",
        ".tox/x",
        "web/node_modules/x.js",
        "pkg/__pycache__/m.pyc",
        "pkg/m.py",
    ]
    make_tree(tmp_path, files, {".axlignore": "!*\n!.venv/\n!*.pyc\n"})
    assert walk_tree(tmp_path) == [".axlignore", "flow.py", "pkg/m.py"]


def test_folders_holding_a_cache_directory_tag_are_never_entered(tmp_path):
    from axl.codefiles.cache_tag import TAG_TEXT

    make_tree(tmp_path, ["flow.py", "ws/runs/r1/out.pkl", "notes/CACHEDIR.TAG", "notes/a.md"], {})
    (tmp_path / "ws" / "CACHEDIR.TAG").write_bytes(TAG_TEXT)  # notes/ has no signature
    (tmp_path / ".axlignore").write_text("!ws/\n")
    assert walk_tree(tmp_path) == [".axlignore", "flow.py", "notes/CACHEDIR.TAG", "notes/a.md"]


def test_select_files_returns_relative_paths_sorted_by_full_path(tmp_path):
    make_tree(tmp_path, ["a/b.py", "a.txt", "a-b.py", "z.py"], {})
    assert select_files(tmp_path) == [Path("a-b.py"), Path("a.txt"), Path("a/b.py"), Path("z.py")]


def test_symlinks_are_listed_not_followed(tmp_path):
    make_tree(tmp_path, ["real/x.py"], {})
    (tmp_path / "link").symlink_to("real")
    assert walk_tree(tmp_path) == ["link", "real/x.py"]


def test_parse_lines_skips_comments_and_blanks():
    patterns = parse_lines(["# comment", "", "   ", "*.py", "!keep.py", "\\#literal"])
    assert [(p.source, p.negated) for p in patterns] == [
        ("   ", False),
        ("*.py", False),
        ("!keep.py", True),
        ("\\#literal", False),
    ]
