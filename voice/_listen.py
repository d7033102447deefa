"""The listening loop: audio -> VAD utterances -> recogniser -> wake phrase -> intent.

It is fed 16 kHz int16 audio (from a file or the microphone) and returns one Heard per
utterance. Utterance audio lives in memory only, for the recogniser and the voice-tone analysis,
and is dropped after it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from voice._asr import SAMPLE_RATE_HZ, Int16Array, Recognizer
from voice._intent import NOT_UNDERSTOOD, Intent, IntentParser, split_wake
from voice._phrases import PhraseTable
from voice._vad import Endpointer, Segment

WAKE_ONLY = "wake"
"""Heard.intent.name when only the wake phrase was said: the follow-up window opens."""
IGNORED = "ignored"
"""Heard.intent.name for speech without the wake phrase outside a follow-up window."""


@dataclass(frozen=True)
class Heard:
    """One utterance: what was heard, the intent, and how long things took."""

    intent: Intent
    text: str
    asr_confidence: float
    woke: bool
    start_s: float
    end_s: float
    processing_ms: float
    """Wall time from the end of the utterance (VAD end) to the intent."""
    endpoint_ms: float
    """Audio time the endpointer waited after speech (the trailing silence)."""
    mood: object | None = None
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def latency_ms(self) -> float:
        """End of speech -> intent on the audio timeline: silence wait plus processing."""
        return self.endpoint_ms + self.processing_ms


MoodHook = Callable[[Int16Array, Intent], object | None]


class Listener:
    def __init__(
        self,
        recognizer: Recognizer,
        parser: IntentParser,
        endpointer: Endpointer,
        *,
        wake_phrase: str,
        require_wake: bool = True,
        follow_up_s: float = 5.0,
        endpoint_ms: float = 256.0,
        mood: MoodHook | None = None,
    ) -> None:
        self.recognizer = recognizer
        self.parser = parser
        self.endpointer = endpointer
        self.wake_phrase = wake_phrase
        self.require_wake = require_wake
        self.follow_up_s = follow_up_s
        self.endpoint_ms = endpoint_ms
        self.mood = mood
        self.on_speech: Callable[[bool], None] | None = None
        """Told True when speech starts and False when the utterance ends (ducking)."""
        self._open_until = -1.0
        self._clock_s = 0.0
        """Seconds of audio fed so far: the stream's own clock, which segments are timed in."""
        self._audio: list[Int16Array] = []
        self._start_s = 0.0

    def set_names(self, table: PhraseTable, min_match: float) -> None:
        """Rebuild the grammar and the parser, e.g. when the library's names change."""
        self.recognizer.set_grammar(table, self.wake_phrase)
        self.parser = IntentParser(table, 1.0 if self.recognizer.exact else min_match)

    def feed(self, audio: Int16Array) -> list[Heard]:
        self._clock_s += audio.shape[0] / SAMPLE_RATE_HZ
        return [h for seg in self.endpointer.push(audio) if (h := self._on(seg))]

    def open_window(self) -> None:
        """Push-to-talk: what is said in the next ``follow_up_s`` needs no wake phrase."""
        self._open_until = self._clock_s + self.follow_up_s

    def finish(self) -> list[Heard]:
        return [h for seg in self.endpointer.flush() if (h := self._on(seg))]

    def _on(self, seg: Segment) -> Heard | None:
        if seg.kind == "start":
            if self.on_speech is not None:
                self.on_speech(True)
            self._audio = [seg.audio]
            self._start_s = seg.at_s - seg.audio.shape[0] / SAMPLE_RATE_HZ
            self.recognizer.start()
            self.recognizer.feed(seg.audio)
        elif seg.kind == "audio":
            self._audio.append(seg.audio)
            self.recognizer.feed(seg.audio)
        else:
            heard = self._utterance(seg.at_s)
            if self.on_speech is not None:
                self.on_speech(False)
            return heard
        return None

    def _utterance(self, end_s: float) -> Heard:
        t0 = time.perf_counter()
        transcript = self.recognizer.finish()
        woke, rest = split_wake(transcript.text, self.wake_phrase)
        if transcript.wake is False:
            woke = False  # the engine's own wake check overrides the grammar's optional prefix
        intent = self._decide(woke, rest, transcript.confidence, end_s)
        processing = (time.perf_counter() - t0) * 1000
        audio = np.concatenate(self._audio) if self._audio else np.zeros(0, np.int16)
        self._audio = []
        mood = None
        extra: dict[str, float] = {}
        if self.mood is not None and intent.name not in (IGNORED,):
            t1 = time.perf_counter()
            mood = self.mood(audio, intent)
            extra["mood_ms"] = (time.perf_counter() - t1) * 1000
        return Heard(intent, transcript.text, transcript.confidence, woke, self._start_s, end_s,
                     processing, self.endpoint_ms, mood, extra)  # fmt: skip

    def _decide(self, woke: bool, rest: str, confidence: float, end_s: float) -> Intent:
        in_window = end_s - self._silence_s() <= self._open_until
        if self.require_wake and not woke and not in_window:
            return Intent(IGNORED, {}, rest, confidence)
        if woke and not rest:
            self._open_until = end_s + self.follow_up_s
            return Intent(WAKE_ONLY, {}, "", confidence)
        if confidence < self.recognizer.min_confidence:
            return Intent(NOT_UNDERSTOOD, {}, rest, confidence)
        intent = self.parser.parse(rest, confidence)
        if intent.name != NOT_UNDERSTOOD and woke:
            # Only a command that began with the wake phrase opens the window; follow-ups do
            # not extend it, so one false wake cannot chain into a run of false commands.
            self._open_until = end_s + self.follow_up_s
        return intent

    def _silence_s(self) -> float:
        return self.endpoint_ms / 1000.0
