"""VADER adapter: the valence of a sentence's words, from its MIT-licensed lexicon."""

from __future__ import annotations

from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def word_valence(text: str) -> float:
    """VADER's compound score in [-1, 1] (0 for words it has no feeling about)."""
    return float(_analyzer().polarity_scores(text)["compound"])
