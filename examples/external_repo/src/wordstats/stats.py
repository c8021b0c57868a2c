"""Counting words. Uses :mod:`wordstats.text` to describe the result."""

from __future__ import annotations

from collections import Counter

from wordstats import text

STOP_WORDS = frozenset({"a", "an", "and", "the", "of", "to", "in", "is"})


def count(words: list[str]) -> dict[str, int]:
    """How often each word occurs, sorted by word."""
    return dict(sorted(Counter(words).items()))


def summary(counts: dict[str, int], top: int = 3) -> dict[str, object]:
    """The most frequent words and the longest one."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return {
        "distinct": len(counts),
        "top": [[word, n] for word, n in ranked],
        "longest": text.longest(counts),
    }
