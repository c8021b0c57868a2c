"""A small, fast, deterministic YAML emitter for the documents compilers produce.

Compiled workflows are plain trees of ``dict`` (string keys), ``list``,
``str``, ``int``, ``float``, ``bool`` and ``None``. PyYAML's pure-Python
dumper spends most of a large compile on them; this emitter writes the same
block style (keys sorted, two-space indent, lists under a key not indented)
in one recursive pass.

Strings are written plain only when every YAML 1.1 and 1.2 reader takes them
back as the same string (so ``"yes"``, ``"1.0"``, ``"null"``, ``"{{x}}"`` and
``"- a"`` are quoted); otherwise single-quoted, or double-quoted with escapes
when they hold line breaks or non-printable characters. Lines are never
folded. ``yaml.safe_load(to_yaml(doc)) == doc`` for every such document.
"""

from __future__ import annotations

import math
import re
from typing import Any

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./:@+=&|()<>!'\" -]*|--?[A-Za-z][A-Za-z0-9_./:@+=-]*")
_RESERVED_WORDS = frozenset(
    {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "none", "~"}
)
# YAML's printable characters minus line breaks (\x85, \u2028, \u2029 too), tabs and BOM.
_SINGLE_QUOTABLE = re.compile(
    "[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\0": "\\0",
    "\x07": "\\a",
    "\x08": "\\b",
    "\x0b": "\\v",
    "\x0c": "\\f",
    "\x1b": "\\e",
    "\x85": "\\N",
    "\xa0": "\\_",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
_MAX_IMPLICIT_KEY = 1000


def to_yaml(doc: Any) -> str:
    """Render ``doc`` as a YAML document (no ``---``, ends with a newline)."""
    out: list[str] = []
    cache: dict[str, str] = {}
    if isinstance(doc, dict) and doc:
        _mapping(doc, "", out, cache)
    elif isinstance(doc, list) and doc:
        _sequence(doc, "", out, cache)
    else:
        out.append(_scalar(doc, cache) + "\n")
    return "".join(out)


def _mapping(data: dict[str, Any], indent: str, out: list[str], cache: dict[str, str]) -> None:
    """Write ``key: value`` lines; the first line has no indent (the caller placed it)."""
    first = True
    for key in sorted(data):
        if not isinstance(key, str):
            raise TypeError(f"mapping keys must be text, not {type(key).__name__}: {key!r}")
        if len(key) > _MAX_IMPLICIT_KEY:
            raise ValueError(f"mapping key longer than {_MAX_IMPLICIT_KEY} characters")
        value = data[key]
        head = (cache.get(key) or _string(key, cache)) + ":"
        if not first:
            out.append(indent)
        first = False
        if isinstance(value, dict) and value:
            out.append(head + "\n" + indent + "  ")
            _mapping(value, indent + "  ", out, cache)
        elif isinstance(value, list) and value:
            out.append(head + "\n" + indent)
            _sequence(value, indent, out, cache)
        else:
            out.append(head + " " + _scalar(value, cache) + "\n")


def _sequence(items: list[Any], indent: str, out: list[str], cache: dict[str, str]) -> None:
    """Write ``- item`` lines; the first line has no indent (the caller placed it)."""
    first = True
    inner = indent + "  "
    for item in items:
        if not first:
            out.append(indent)
        first = False
        if isinstance(item, dict) and item:
            out.append("- ")
            _mapping(item, inner, out, cache)
        elif isinstance(item, list) and item:
            out.append("- ")
            _sequence(item, inner, out, cache)
        else:
            out.append("- " + _scalar(item, cache) + "\n")


def _scalar(value: Any, cache: dict[str, str]) -> str:
    if isinstance(value, str):
        return cache.get(value) or _string(value, cache)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    raise TypeError(f"cannot render {type(value).__name__} as YAML: {value!r}")


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    # YAML 1.1 reads "1e-05" as text: its floats need a dot before the exponent.
    if "e" in text and "." not in text:
        text = text.replace("e", ".0e", 1)
    return text


def _string(text: str, cache: dict[str, str]) -> str:
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED_WORDS and _plain_safe(text):
        rendered = text
    elif _SINGLE_QUOTABLE.fullmatch(text):
        rendered = "'" + text.replace("'", "''") + "'"
    else:
        rendered = _double_quoted(text)
    cache[text] = rendered
    return rendered


def _plain_safe(text: str) -> bool:
    """Rules the character class cannot say: no trailing space or ':', no ': ' or ' #'."""
    return not (text.endswith((" ", ":")) or ": " in text or " #" in text)


def _double_quoted(text: str) -> str:
    parts = ['"']
    for char in text:
        escaped = _ESCAPES.get(char)
        if escaped is not None:
            parts.append(escaped)
        elif _SINGLE_QUOTABLE.fullmatch(char):
            parts.append(char)
        else:
            code = ord(char)
            if code <= 0xFF:
                parts.append(f"\\x{code:02X}")
            elif code <= 0xFFFF:
                parts.append(f"\\u{code:04X}")
            else:
                parts.append(f"\\U{code:08X}")
    parts.append('"')
    return "".join(parts)
