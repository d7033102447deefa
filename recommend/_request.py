"""What an explicit request means: its target, its main axis, its attribute preferences.

Every surface (voice, MPD message, HTTP, the CLI's ``moodplay queue``) turns a mood word into
listener state through :func:`mood_request` and :meth:`Request.apply`, so a word means the same
wherever it is said.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from recommend._types import ListenerState, Point

AXES = ("energy", "valence")
WORD_AXES = {
    "calm": "energy", "relaxing": "energy", "relaxed": "energy", "energetic": "energy",
    "focused": "energy", "upbeat": "energy", "happy": "valence", "sad": "valence",
    "dark": "valence",
}  # fmt: skip
"""The axis a mood word is about first (calm: low energy before anything; happy, sad: valence).
Words not listed get the axis their target leans on most (:func:`main_axis`)."""
INSTRUMENTAL_WORDS = frozenset({"focused", "focus", "study", "studying", "concentrate"})
"""Words whose queue prefers instrumental, non-speech tracks (music to work to)."""


def main_axis(target: Point) -> str:
    """The axis on which ``target`` lies farther from the plane's middle (0.5): "energy" or
    "valence"; a tie goes to energy (arousal is what listeners notice first)."""
    if abs(target.valence - 0.5) > abs(target.energy - 0.5):
        return "valence"
    return "energy"


@dataclass(frozen=True)
class Request:
    """An explicit request: the word said, where on the [0, 1] plane it points, the axis whose
    value must survive when the library cannot reach the point, and attribute preferences."""

    word: str
    target: Point
    axis: str
    prefer_instrumental: bool = False

    def apply(self, state: ListenerState) -> ListenerState:
        """``state`` with this request in force (a wind-down ends: the listener asked)."""
        return replace(state, target=self.target, request=self.word, axis=self.axis,
                       prefer_instrumental=self.prefer_instrumental, wind_down=False)  # fmt: skip


def mood_request(word: str, target: Point) -> Request:
    """The request for a mood word and its configured target ([moods.targets])."""
    axis = WORD_AXES.get(word.lower()) or main_axis(target)
    return Request(word, target, axis, word.lower() in INSTRUMENTAL_WORDS)


def cleared(state: ListenerState) -> ListenerState:
    """``state`` with no request in force (it expired with its listening session)."""
    return replace(state, target=None, request=None, axis="", prefer_instrumental=False,
                   wind_down=False)  # fmt: skip
