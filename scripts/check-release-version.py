#!/usr/bin/env python3
"""Check that a release tag names the version of every published distribution.

Usage: scripts/check-release-version.py TAG [--root DIR]

A release tag is `v` followed by the version, e.g. `v1.2.0` or `v1.3.0rc1`. The
version must equal `__version__` in `axl/_version.py` (axl-workflows) and in
`providers/axl_pulumi/_version.py` (axl-pulumi, released together with axl).
The files are read as text, without importing or installing anything.

On success, prints the version (without the `v`) on stdout and exits 0.
On a mismatch, prints one line saying what to change on stderr and exits 1;
on a tag that is not of the form `vX.Y.Z`, exits 2.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

# Each published distribution and the file holding its version, relative to the root.
VERSION_FILES = {
    "axl-workflows": Path("axl/_version.py"),
    "axl-pulumi": Path("providers/axl_pulumi/_version.py"),
}

# X.Y.Z with an optional PEP 440 pre-, post- or dev-release suffix (1.2.0rc1, 1.2.0.post1).
TAG_PATTERN = re.compile(
    r"v(?P<version>\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?)"
)

EXIT_MISMATCH = 1
EXIT_BAD_TAG = 2


class ReleaseVersionError(Exception):
    """The tag cannot be released; carries the exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def read_version(path: Path) -> str:
    """The string literal assigned to `__version__` at the top level of `path`."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError) as exc:
        raise ReleaseVersionError(f"cannot read {path}: {exc}", EXIT_MISMATCH) from exc
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == ["__version__"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise ReleaseVersionError(f'{path} has no `__version__ = "X.Y.Z"` line', EXIT_MISMATCH)


def check(tag: str, root: Path) -> str:
    """The version `tag` releases, after checking every distribution carries it."""
    match = TAG_PATTERN.fullmatch(tag)
    if match is None:
        raise ReleaseVersionError(
            f"release tags look like v1.2.0 (or v1.2.0rc1), got {tag!r}", EXIT_BAD_TAG
        )
    version = match["version"]
    for distribution, relative in VERSION_FILES.items():
        found = read_version(root / relative)
        if found != version:
            raise ReleaseVersionError(
                f"tag {tag} releases {version} but {relative} ({distribution}) says {found}: "
                f"set __version__ = {version!r} in every version file and tag again, "
                f"or tag v{found}",
                EXIT_MISMATCH,
            )
    return version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tag", help="the release tag, e.g. v1.2.0")
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="the repository root (default: this script's checkout)",
    )
    args = parser.parse_args(argv)
    try:
        print(check(args.tag, args.root))
    except ReleaseVersionError as exc:
        print(f"check-release-version: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
