"""SVG and PNG through Graphviz's ``dot``, when it is installed (Debian's ``graphviz``)."""

from __future__ import annotations

import shutil
import subprocess

from axl.errors import InfrastructureError, MissingDependencyError

RENDERED = ("svg", "png")
"""Formats ``dot`` draws; the others are text axl writes itself."""
INSTALL = "apt-get install graphviz"
DOT_TIMEOUT = 120.0
"""Seconds ``dot`` may take: a layout of thousands of steps takes a few."""


def render(dot_text: str, fmt: str) -> bytes:
    """``dot -T<fmt>`` of ``dot_text``.

    Raises :class:`~axl.errors.MissingDependencyError` (exit 4) when ``dot`` is not on
    ``PATH``: the command was right, this machine lacks a tool, as for a missing extra.
    """
    if fmt not in RENDERED:
        raise ValueError(f"dot does not render {fmt!r} here")
    executable = shutil.which("dot")
    if executable is None:
        raise MissingDependencyError(
            f"--format {fmt} needs Graphviz's dot, which is not on PATH (Debian/Ubuntu: {INSTALL})",
            hint="or print text with --format mermaid or --format dot",
        )
    try:
        done = subprocess.run(
            [executable, f"-T{fmt}"],
            input=dot_text.encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InfrastructureError(
            f"dot -T{fmt} did not finish in {DOT_TIMEOUT:.0f} s",
            hint="use --format dot and render it yourself",
        ) from None
    except OSError as exc:
        raise InfrastructureError(f"cannot run {executable}: {exc}") from None
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise InfrastructureError(
            f"dot -T{fmt} failed (exit {done.returncode}): {reason[0] if reason else 'no output'}",
            hint="check Graphviz with `dot -V`; --format dot prints the input it was given",
        )
    return done.stdout
