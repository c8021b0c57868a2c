"""Which files of a project go into its code archive: gitignore rules, in pure Python.

The rules are git's own (``man gitignore``): ``*``, ``?``, ``[...]`` (with
ranges, ``!``/``^`` negation and ``[:class:]``), ``**`` as a whole path
component, ``!`` to re-include, a trailing ``/`` for directories only, a
leading or inner ``/`` to anchor a pattern to its file's folder, ``#``
comments, backslash escapes and escaped trailing spaces. Like git, a file
inside an excluded directory cannot be re-included, and patterns compare
bytes (``?`` matches one byte of a UTF-8 name).

Sources, from the strongest:

1. :data:`ALWAYS_EXCLUDED` names, virtualenvs (any folder holding
   ``pyvenv.cfg``), axl's workspaces and cache folders (any folder holding a
   ``CACHEDIR.TAG``, see :mod:`axl.codefiles.cache_tag`) and compiled Python
   files: never archived, whatever the rules say;
2. ``.axlignore`` at the root (and patterns passed by the caller): the last word;
3. ``.gitignore`` files in the tree, the deepest first, each applying to its subtree;
4. when the root sits inside a git work tree, the ``.gitignore`` files of the
   folders between the work tree's top and the root.

``.git/info/exclude`` and the user's global excludes file are personal, not
part of the project, and are not read.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from axl.codefiles.cache_tag import is_tagged
from axl.dataclass_fast import dataclass

AXLIGNORE = ".axlignore"
GITIGNORE = ".gitignore"

ALWAYS_EXCLUDED = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "__pycache__",
        ".axl",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".tox",
        ".nox",
        "node_modules",
    }
)
"""Names (of folders or files) that are never archived, at any depth."""

ALWAYS_EXCLUDED_SUFFIXES = (".pyc", ".pyo")

_GLOB_SPECIAL = "*?[\\"

_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "\\x21-\\x7e",
    "lower": "a-z",
    "print": "\\x20-\\x7e",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\x0b\\x0c\\r ",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}


def _as_bytes_text(text: str) -> str:
    """One character per UTF-8 byte, so that patterns match bytes as git's do."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


@dataclass(frozen=True)
class Pattern:
    """One compiled gitignore line."""

    source: str
    negated: bool
    dir_only: bool
    basename_only: bool
    regex: re.Pattern[str] | None  # None: a malformed pattern, which matches nothing

    def matches(self, path: str, basename: str, is_dir: bool) -> bool:
        """Whether the pattern applies to ``path`` (relative to the pattern's folder)."""
        if self.regex is None or (self.dir_only and not is_dir):
            return False
        return self.regex.fullmatch(basename if self.basename_only else path) is not None


def _trim_trailing_spaces(line: str) -> str:
    last_space: int | None = None
    i = 0
    while i < len(line):
        char = line[i]
        if char == " ":
            if last_space is None:
                last_space = i
        elif char == "\\":
            i += 1
            if i == len(line):
                return line
            last_space = None
        else:
            last_space = None
        i += 1
    return line if last_space is None else line[:last_space]


def _class_char(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


def _translate_class(pat: str, start: int) -> tuple[str | None, int]:
    """The regex for the bracket expression at ``pat[start] == '['`` and where it ends.

    Follows git's wildmatch: ``]`` first is literal, ``-`` first or last is
    literal, an unclosed or malformed bracket makes the whole pattern match nothing.
    """
    n = len(pat)
    j = start + 1
    negated = j < n and pat[j] in "!^"
    if negated:
        j += 1
    items: list[str] = []
    prev: str | None = None
    if j >= n:
        return None, n
    char = pat[j]
    while True:
        if char == "\\":
            j += 1
            if j >= n:
                return None, n
            char = pat[j]
            items.append(_class_char(char))
            prev = char
        elif char == "-" and prev is not None and j + 1 < n and pat[j + 1] != "]":
            j += 1
            high = pat[j]
            if high == "\\":
                j += 1
                if j >= n:
                    return None, n
                high = pat[j]
            if prev <= high:
                items.append(f"{_class_char(prev)}-{_class_char(high)}")
            prev = None
        elif char == "[" and j + 1 < n and pat[j + 1] == ":":
            close = pat.find("]", j + 2)
            if close < 0:
                return None, n
            if close == j + 2 or pat[close - 1] != ":":
                items.append(_class_char("["))  # not a [:class:]: a literal '['
                prev = "["
            else:
                posix = _POSIX_CLASSES.get(pat[j + 2 : close - 1])
                if posix is None:
                    return None, n
                items.append(posix)
                prev = None
                j = close
        else:
            items.append(_class_char(char))
            prev = char
        j += 1
        if j >= n:
            return None, n
        char = pat[j]
        if char == "]":
            break
    body = "".join(items)
    if negated:
        return f"[^/{body}]", j + 1
    return (f"(?!/)[{body}]" if body else "(?!)"), j + 1


def translate(pat: str, *, literal_prefix: int = 0) -> str | None:
    """A regex equivalent to a gitignore glob (matched with ``fullmatch``), or None.

    ``literal_prefix`` is where git starts wildmatch for a path pattern after
    comparing the literal head itself; a ``**`` right there counts as leading.
    """
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        char = pat[i]
        if char == "*":
            j = i
            while j < n and pat[j] == "*":
                j += 1
            leading = i in (0, literal_prefix) or pat[i - 1] == "/"
            if j - i >= 2 and leading and j == n:
                out.append(".*")
            elif j - i >= 2 and leading and pat[j] == "/":
                out.append("(?:.*/)?")
                j += 1
            elif j - i >= 2 and leading and pat[j : j + 2] == "\\/":
                out.append("(?:.*/)?")
                j += 2
            else:
                out.append("[^/]*")
            i = j
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            regex, i = _translate_class(pat, i)
            if regex is None:
                return None
            out.append(regex)
        elif char == "\\":
            if i + 1 == n:
                return None
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def parse_line(line: str) -> Pattern | None:
    """Compile one line of a gitignore file (already byte-mapped); None for blanks and comments."""
    line = line.rstrip("\r")
    if not line or line.startswith("#"):
        return None
    source = line
    line = _trim_trailing_spaces(line)
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    dir_only = line.endswith("/")
    if dir_only:
        line = line[:-1]
    basename_only = "/" not in line
    prefix = next((i for i, c in enumerate(line) if c in _GLOB_SPECIAL), len(line))
    if line.startswith("/"):
        line, prefix = line[1:], prefix - 1
    regex = translate(line, literal_prefix=0 if basename_only else prefix)
    return Pattern(
        source=source,
        negated=negated,
        dir_only=dir_only,
        basename_only=basename_only,
        regex=None if regex is None else re.compile(regex, re.DOTALL),
    )


def parse_lines(lines: Iterable[str]) -> tuple[Pattern, ...]:
    """Compile gitignore lines (text as written by a user), skipping blanks and comments."""
    parsed = (parse_line(_as_bytes_text(line)) for line in lines)
    return tuple(p for p in parsed if p is not None)


@dataclass(frozen=True)
class PatternList:
    """The patterns of one ignore file and the folder they are relative to.

    ``base`` is the folder (relative to the archive root, ``""`` for the root)
    and ``lead`` what to put in front of a path relative to ``base`` when the
    file lives above the root (``"sub/dir/"``).
    """

    patterns: tuple[Pattern, ...]
    base: str = ""
    lead: str = ""

    def decide(self, path: str, basename: str, is_dir: bool) -> bool | None:
        """True (excluded), False (re-included) or None (no pattern applies)."""
        if not self.patterns:
            return None
        local = path[len(self.base) + 1 :] if self.base else path
        local = _as_bytes_text(self.lead + local)
        name = _as_bytes_text(basename)
        for pattern in reversed(self.patterns):
            if pattern.matches(local, name, is_dir):
                return not pattern.negated
        return None


def read_ignore_file(path: Path, base: str = "", lead: str = "") -> PatternList | None:
    """The patterns of ``path`` if it is a regular file (symlinks are not followed, as in git)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "surrogateescape")
    return PatternList(parse_lines(text.split("\n")), base=base, lead=lead)


def _ancestor_lists(root: Path) -> list[PatternList]:
    """``.gitignore`` files above ``root`` up to the top of its git work tree, top first."""
    found: list[PatternList] = []
    if (root / ".git").exists():
        return found
    lead = root.name + "/"
    folder = root.parent
    while True:
        listed = read_ignore_file(folder / GITIGNORE, lead=lead)
        if listed is not None:
            found.append(listed)
        if (folder / ".git").exists():
            return list(reversed(found))
        if folder.parent == folder:
            return []
        lead = folder.name + "/" + lead
        folder = folder.parent


def always_excluded(entry: os.DirEntry[str], is_dir: bool) -> bool:
    """Whether an entry is never archived: VCS data, caches, virtualenvs, tagged cache
    folders (axl's workspaces among them), compiled Python."""
    name = entry.name
    if name in ALWAYS_EXCLUDED:
        return True
    if is_dir:
        return os.path.lexists(os.path.join(entry.path, "pyvenv.cfg")) or is_tagged(entry.path)
    return name.endswith(ALWAYS_EXCLUDED_SUFFIXES)


def _decide(stack: Sequence[PatternList], path: str, basename: str, is_dir: bool) -> bool:
    for patterns in reversed(stack):
        decision = patterns.decide(path, basename, is_dir)
        if decision is not None:
            return decision
    return False


def walk_tree(root: Path, *, extra_patterns: Sequence[str] = ()) -> list[str]:
    """Relative POSIX paths of every non-directory entry of ``root`` to archive, sorted.

    Files, symlinks and special files are listed (the caller decides what to
    do with each); directories are walked, never listed, and not entered
    when excluded. ``extra_patterns`` are gitignore lines read after ``.axlignore``.
    Raises :class:`OSError` when a folder cannot be read.
    """
    root = Path(os.path.abspath(root))
    axlignore = read_ignore_file(root / AXLIGNORE)
    own_rules = axlignore.patterns if axlignore is not None else ()
    strongest = PatternList((*own_rules, *parse_lines(extra_patterns)))
    found: list[str] = []
    pending: list[tuple[str, list[PatternList]]] = [("", _ancestor_lists(root))]
    while pending:
        rel_dir, stack = pending.pop()
        folder = root / rel_dir if rel_dir else root
        own = read_ignore_file(folder / GITIGNORE, base=rel_dir)
        if own is not None:
            stack = [*stack, own]
        full = [*stack, strongest]
        with os.scandir(folder) as entries:
            listing = sorted(entries, key=lambda e: e.name)
        for entry in listing:
            is_dir = entry.is_dir(follow_symlinks=False)
            if always_excluded(entry, is_dir):
                continue
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if _decide(full, rel, entry.name, is_dir):
                continue
            if is_dir:
                pending.append((rel, stack))
            else:
                found.append(rel)
    return sorted(found)


def select_files(root: Path, *, extra_patterns: Sequence[str] = ()) -> list[Path]:
    """The files (and symlinks) of ``root`` an archive would hold, relative to ``root``, sorted."""
    return [Path(rel) for rel in walk_tree(root, extra_patterns=extra_patterns)]
