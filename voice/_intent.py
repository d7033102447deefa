"""From heard words to an Intent: wake phrase, best-matching phrasing, slots, confidence.

Recognisers constrained by the command grammar usually return a phrasing word for word; a
recogniser that drops or swaps a word (Vosk's grammar mode does) is matched by the longest
common word subsequence. Below ``min_match`` the result is "not understood", with the text,
never a guess. The intent's confidence is the match score times the recogniser's confidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from voice._numbers import english_number, number_runs, read_signs, spell_digits
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
        self._ranges = table.number_ranges()
        self._plain = [p for p in self.phrases if not any(k in self._ranges for k, _ in p.slots)]
        self._lowest = {slot: [p for p in self.phrases if (slot, lo) in p.slots]
                        for slot, (lo, _) in self._ranges.items()}  # fmt: skip

    def parse(self, text: str, asr_confidence: float = 1.0) -> Intent:
        """The best phrasing for ``text`` (digits read as words), or NOT_UNDERSTOOD below
        ``min_match``. A number no slot holds ("volume 150") is kept as the slot's value, so
        the command refuses it; it is never matched to the nearest number phrase."""
        heard = spell_digits(normalise(read_signs(text)))
        unheld = self._unheld(heard)
        if unheld is None:
            phrase, score = self._match(heard, self.phrases)
            slots = dict(phrase.slots) if phrase else {}
        else:
            phrase, score, slots = self._match_unheld(heard, *unheld)
        confidence = round(score * asr_confidence, 3)
        if phrase is None or score < self.min_match:
            return Intent(NOT_UNDERSTOOD, {}, heard, confidence)
        return Intent(phrase.intent, slots, heard, confidence)

    def _match(self, heard: str, phrases: list[Phrase]) -> tuple[Phrase | None, float]:
        phrase, score = self._best(heard, phrases)
        if score < 1.0:
            phrase, score = max((phrase, score), self._best(self._table.strip_edges(heard),
                                phrases), key=lambda best: best[1])  # fmt: skip
        return phrase, score

    def _unheld(self, heard: str) -> tuple[int, int, int | str] | None:
        """(start, end, value) of the first number heard that no numeric slot holds (text:
        no whole number, e.g. "50.5")."""
        if not self._ranges:
            return None
        for start, end, value in number_runs(heard.split()):
            if isinstance(value, str) or not any(lo <= value <= hi
                                                 for lo, hi in self._ranges.values()):  # fmt: skip
                return start, end, value
        return None

    def _match_unheld(
        self, heard: str, start: int, end: int, value: int | str
    ) -> tuple[Phrase | None, float, dict[str, str | int]]:
        """The phrasing a number slot would fill is matched with the number masked (as the
        slot's lowest value), then given the number heard; the best phrasing without a number
        slot (a title with 666 in it) wins when it matches better."""
        words = heard.split()
        phrase, score = self._match(heard, self._plain)
        best = (phrase, score, dict(phrase.slots) if phrase else {})
        for slot, (lo, _) in self._ranges.items():
            masked = " ".join([*words[:start], english_number(lo), *words[end:]])
            phrase, score = self._match(masked, self._lowest[slot])
            if phrase is not None and score > best[1]:
                best = (phrase, score, {**dict(phrase.slots), slot: value})
        return best

    def _best(self, heard: str, phrases: list[Phrase]) -> tuple[Phrase | None, float]:
        if not heard:
            return None, 0.0
        if phrases is self.phrases and heard in self._exact:
            return self._exact[heard], 1.0
        words = heard.split()
        best: tuple[Phrase | None, float] = (None, 0.0)
        for p in phrases:
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
