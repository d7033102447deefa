"""What moodplay says back: earcons and short sentences, by ``[voice] answers``.

"off": silence. "earcon": cues only (wake, not understood, done, error). "speech": cues for wake
and not-understood, sentences for what was asked (what's playing, why this), for commands that
can be taken back (ban, dislike) and for volume, a short spoken error; every other command only
gets the "done" cue, so moodplay does not chatter. Everything is queued on the AnswerOutput
worker (espeak-ng renders there); these methods return at once and never raise for sound
problems.
"""

from __future__ import annotations

import logging
import re

from voice import AnswerOutput

log = logging.getLogger(__name__)

MODES = ("speech", "earcon", "off")

SPEAK_RESULT = frozenset({"whats_playing", "why_this"})
"""Commands whose handler returns the sentence to speak (e.g. "Coherence by Maxstack")."""

SENTENCES: dict[str, str] = {
    "ban": "Banned. Say undo to take it back.",
    "dislike": "OK, not this one. Say undo to take it back.",
    "volume_set": "Volume {result}.",
}
"""Confirmations spoken in "speech" mode; ``{result}`` is the handler's return value."""

MAX_ERROR_WORDS = 12


class Answers:
    """The listener-facing side of commands. ``output`` None (no output device wanted or
    possible) behaves like mode "off". ValueError for a mode not in MODES."""

    def __init__(self, mode: str, tts_voice: str, output: AnswerOutput | None) -> None:
        if mode not in MODES:
            raise ValueError(f"[voice] answers = {mode!r}; one of {', '.join(MODES)}")
        self.mode, self.tts_voice = mode, tts_voice
        self.output = output if mode != "off" else None

    def wake(self) -> None:
        """The wake phrase was heard: the rising cue, cutting any answer still playing."""
        if self.output is not None:
            self.output.play_earcon("wake", interrupt=True)

    def not_understood(self, text: str) -> None:
        """Speech after the wake phrase matched no command: the falling cue. ``text`` (what
        was heard) is not spoken or logged here: it is the listener's words."""
        self._cue("not_understood")

    def confirm(self, command_name: str, result: object) -> None:
        """A command ran; ``result`` is its handler's return value. Speaks the result of
        SPEAK_RESULT commands and the SENTENCES line, else the "done" cue."""
        sentence = self._sentence(command_name, result) if self.mode == "speech" else None
        if sentence:
            self.say(sentence)
        else:
            self._cue("done")

    def error(self, message: str) -> None:
        """A command failed: "Sorry, <short form of message>." in speech mode, else the cue."""
        short = spoken_error(message) if self.mode == "speech" else ""
        if short:
            self.say(f"Sorry, {short}.")
        else:
            self._cue("error")

    def say(self, text: str) -> None:
        """Speak ``text`` (speech mode only; rendered on the output's worker)."""
        if self.output is not None and self.mode == "speech" and text.strip():
            self.output.speak(text, self.tts_voice)

    def _cue(self, kind: str) -> None:
        if self.output is not None:
            self.output.play_earcon(kind)

    def _sentence(self, command_name: str, result: object) -> str | None:
        if command_name in SPEAK_RESULT:
            return as_sentence(result) if isinstance(result, str) else None
        template = SENTENCES.get(command_name)
        if template is None or ("{result}" in template and result is None):
            return None
        return template.format(result=result)


def as_sentence(text: str) -> str:
    """'nothing is playing' -> 'Nothing is playing.' (capital, final stop); '' stays ''."""
    text = " ".join(text.split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def spoken_error(message: str) -> str:
    """A command error as a few speakable words: the first clause, no parenthesised detail,
    identifiers' underscores as spaces, at most MAX_ERROR_WORDS words, no final stop.
    'volume_set: 140 is outside 0..100 percent' -> 'volume set: 140 is outside 0 to 100 percent'.
    """
    first = re.split(r"[;\n]", message.strip(), maxsplit=1)[0]
    first = re.sub(r"\([^)]*\)", "", first).replace("_", " ").replace("..", " to ")
    words = first.split()[:MAX_ERROR_WORDS]
    return " ".join(words).rstrip(".:,")
