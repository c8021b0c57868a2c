"""Which files of a project go into its code archive: see :mod:`axl.codefiles.ignore`."""

from axl.codefiles.ignore import (
    ALWAYS_EXCLUDED,
    AXLIGNORE,
    GITIGNORE,
    Pattern,
    PatternList,
    parse_line,
    parse_lines,
    read_ignore_file,
    select_files,
    translate,
    walk_tree,
)

__all__ = [
    "ALWAYS_EXCLUDED",
    "AXLIGNORE",
    "GITIGNORE",
    "Pattern",
    "PatternList",
    "parse_line",
    "parse_lines",
    "read_ignore_file",
    "select_files",
    "translate",
    "walk_tree",
]
