"""Splitting text into words. Uses :mod:`wordstats.stats` for its stop words."""

from __future__ import annotations

import re

from wordstats import stats

_WORD = re.compile(r"[a-z']+")


def words(text: str) -> list[str]:
    """Lower-case words of ``text``, without the stop words."""
    return [w for w in _WORD.findall(text.lower()) if w not in stats.STOP_WORDS]


def longest(counts: dict[str, int]) -> str:
    """The longest word counted (ties: alphabetical)."""
    return min(counts, key=lambda w: (-len(w), w))
