"""How axl writes a content digest: ``blake3:<64 hex digits>``.

Artifacts, code archives, the IR hash and the step cache all name content
this way; readers also take the bare hex (what ``axl package`` prints).
"""

from __future__ import annotations

DIGEST_PREFIX = "blake3:"
"""The algorithm prefix of every digest axl writes."""
HEX_LENGTH = 64
"""Hex digits of a blake3 digest (32 bytes)."""
SHORT_LENGTH = 12
"""Hex digits of a short digest (a label value, a log line)."""

_HEX = frozenset("0123456789abcdef")


def format_digest(hex_digest: str) -> str:
    """``"ab12..."`` -> ``"blake3:ab12..."``."""
    return DIGEST_PREFIX + hex_digest


def digest_hex(text: str) -> str | None:
    """The hex digits of ``blake3:<hex>`` or bare hex (any case, spaces around), or ``None``
    when ``text`` is no blake3 digest."""
    value = text.strip().lower().removeprefix(DIGEST_PREFIX)
    if len(value) != HEX_LENGTH or not _HEX.issuperset(value):
        return None
    return value


def short_digest(digest: str, length: int = SHORT_LENGTH) -> str:
    """The first ``length`` hex digits of a digest, without its prefix."""
    return digest.removeprefix(DIGEST_PREFIX)[:length]
