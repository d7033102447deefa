"""From heard words to an Intent: wake phrase, best-matching phrasing, slots, confidence.

Recognisers constrained by the command grammar usually return a phrasing word for word; a
recogniser that drops or swaps a word (Vosk's grammar mode does) is matched by the longest
common word subsequence. Below ``min_match`` the result is "not understood", with the text,
never a guess. The intent's confidence is the match score times the recogniser's confidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from voice._phrases import Phrase, PhraseTable, normalise

NOT_UNDERSTOOD = "not_understood"

INTENTS = {
    "play": "start or resume playback",
    "pause": "pause",
    "resume": "resume after pause",
    "stop": "stop playback",
    "next": "skip to the next track",
    "previous": "back to the previous track",
    "volume_up": "volume up one step",
    "volume_down": "volume down one step",
    "volume_set": "set volume; slot percent: int 0..100",
    "mute": "mute",
    "unmute": "unmute",
    "mood_request": "play toward a mood; slot mood: a word of [moods] targets",
    "mood_statement": "how the listener feels now; slot feeling (word) or statement (text)",
    "more_like_this": "more tracks like the current one",
    "like": "the listener likes the current track",
    "dislike": "not this track now",
    "ban": "never play the current track again",
    "whats_playing": "say what is playing",
    "why_this": "say why the current track was chosen",
    "wind_down": "calm down and stop (sleep timer)",
    "play_artist": "play an artist; slot artist: name as in the library (normalised)",
    "play_album": "play an album; slot album",
    "play_title": "play a track; slot title",
    "undo": "take back the last command (a ban, a dislike, a volume change, ...)",
    NOT_UNDERSTOOD: "nothing matched well enough; text holds what was heard",
}
"""Intent names and their slots: the API voice, MPD, HTTP and the CLI share."""


@dataclass(frozen=True)
class Intent:
    """A command: a name from INTENTS, typed slot values, the words heard, a confidence."""

    name: str
    slots: Mapping[str, str | int] = field(default_factory=dict)
    text: str = ""
    confidence: float = 1.0


def lcs(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two word lists."""
    row = [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], prev + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


class IntentParser:
    def __init__(self, table: PhraseTable, min_match: float = 0.6) -> None:
        self.phrases = table.expand()
        self.min_match = min_match
        self._table = table
        self._exact: dict[str, Phrase] = {}
        for p in self.phrases:
            self._exact.setdefault(p.text, p)  # the first intent in table order wins a tie

    def parse(self, text: str, asr_confidence: float = 1.0) -> Intent:
        heard = normalise(text)
        phrase, score = self._best(heard)
        if score < 1.0:
            phrase, score = max((phrase, score), self._best(self._table.strip_edges(heard)),
                                key=lambda best: best[1])  # fmt: skip
        confidence = round(score * asr_confidence, 3)
        if phrase is None or score < self.min_match:
            return Intent(NOT_UNDERSTOOD, {}, heard, confidence)
        return Intent(phrase.intent, dict(phrase.slots), heard, confidence)

    def _best(self, heard: str) -> tuple[Phrase | None, float]:
        if not heard:
            return None, 0.0
        if heard in self._exact:
            return self._exact[heard], 1.0
        words = heard.split()
        best: tuple[Phrase | None, float] = (None, 0.0)
        for p in self.phrases:
            score = lcs(words, p.words) / max(len(words), len(p.words))
            if score > best[1]:
                best = (p, score)
        return best


def split_wake(text: str, wake_phrase: str) -> tuple[bool, str]:
    """(whether ``text`` starts with the wake phrase, the rest of it)."""
    words, wake = normalise(text).split(), normalise(wake_phrase).split()
    if wake and words[: len(wake)] == wake:
        return True, " ".join(words[len(wake) :])
    return False, " ".join(words)
