"""blake3 digests of text and of step source code, stable across processes and machines."""

from __future__ import annotations

import linecache
import marshal
import textwrap
import types
from collections.abc import Callable, Iterable
from typing import Any

from blake3 import blake3

from axl.digests import format_digest


def digest_text(text: str) -> str:
    """Hex blake3 digest of UTF-8 text."""
    return blake3(text.encode("utf-8")).hexdigest()


def _last_line(code: types.CodeType) -> int:
    last = code.co_firstlineno
    for _, _, end in code.co_lines():
        if end is not None and end > last:
            last = end
    for _, end_line, _, _ in code.co_positions():
        if end_line is not None and end_line > last:
            last = end_line
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            last = max(last, _last_line(const))
    return last


def refresh_sources(fns: Iterable[Callable[..., Any]]) -> None:
    """Forget cached source lines of the functions' files that changed on disk since read.

    A workflow edited and reloaded in one process (a notebook, a long-lived
    program) would otherwise hash the lines ``linecache`` read first; as
    ``inspect.getsource`` does, one ``stat`` a file.
    """
    files = {code.co_filename for fn in fns if (code := getattr(fn, "__code__", None))}
    for filename in files:
        linecache.checkcache(filename)


def step_source(fn: Callable[..., Any]) -> str | None:
    """The source lines of a step function (decorators included), dedented, if available.

    The lines run from the first decorator to the last line any of the
    function's code (nested code included) belongs to; read through
    ``linecache``, so a file is read once however many steps it holds.
    """
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    lines = linecache.getlines(code.co_filename)
    if not lines:
        return None
    first, last = code.co_firstlineno, _last_line(code)
    if first < 1 or last > len(lines):
        return None
    source = "".join(lines[first - 1 : last])
    return textwrap.dedent(source.replace("\r\n", "\n"))


def code_digest(fn: Callable[..., Any]) -> str:
    """``blake3:<hex>`` of a step's source, or of its bytecode when no source exists."""
    source = step_source(fn)
    if source is not None:
        return format_digest(digest_text(source))
    code = getattr(fn, "__code__", None)
    if code is None:
        return format_digest(digest_text(repr(fn)))
    # Functions made by exec() have no source file; their code object is the next best thing.
    stripped = code.replace(co_filename="", co_firstlineno=1)
    return format_digest(blake3(marshal.dumps(stripped)).hexdigest())
