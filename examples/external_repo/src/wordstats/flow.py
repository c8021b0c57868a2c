"""The workflow of this project: text -> words -> counts -> summary."""

from __future__ import annotations

from axl import Param, Workflow, step
from wordstats import stats, text

SAMPLE = (
    "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs "
    "to the woods and the woods are quiet."
)


class WordStats(Workflow):
    name = "word-stats"
    document = Param(SAMPLE, help="the text to analyse")
    top = Param(3, help="how many frequent words to report")

    @step
    def words(self) -> list[str]:
        return text.words(self.document)

    @step
    def counts(self, words: list[str]) -> dict[str, int]:
        return stats.count(words)

    @step
    def summary(self, counts: dict[str, int]) -> dict[str, object]:
        return stats.summary(counts, self.top)
