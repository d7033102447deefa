"""The listening loop: audio -> wake word -> VAD utterance -> recogniser -> intent.

Fed 16 kHz int16 audio (a file or the microphone), it returns one Heard per utterance.
Utterance audio lives in memory only, for the recogniser and the voice-tone analysis.

With a trained wake word (``wake``: a streaming detector) nothing reaches the recogniser unless
the wake word was heard: only the audio after it is decoded, and everyday talk costs no
recognition and can trigger nothing. With a custom wake phrase the recogniser hears every
utterance and the phrase is checked in its words (the older, weaker path).

Rules that keep one false wake from becoming several actions:

- a follow-up window (no wake word needed) opens only after the wake word alone or after a
  question ("what's playing"); after a ban or a dislike a window opens for "undo" only; any
  other command closes it: one command per wake;
- the window is measured from the start of speech: the next utterance must *begin* inside it,
  and the utterance that held the wake word never counts as its own follow-up;
- a command longer than ``command_max_s`` after the wake word (a second talker, chatter) is
  "not understood" at once, never a command built from both;
- a ban, a dislike or a volume level needs ``careful_confidence``, the others the
  recogniser's own minimum.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from voice._asr import SAMPLE_RATE_HZ, Int16Array, Recognizer, Transcript
from voice._intent import NOT_UNDERSTOOD, Intent, IntentParser, split_wake
from voice._vad import Endpointer, Segment

WAKE_ONLY = "wake"
"""Heard.intent.name when only the wake phrase was said: the follow-up window opens."""
IGNORED = "ignored"
"""Heard.intent.name for speech without the wake phrase outside a follow-up window."""

QUESTIONS = frozenset({"whats_playing", "why_this"})
"""Intents whose answer may be followed by another command without the wake word."""
CAREFUL = frozenset({"ban", "dislike"})
"""Intents that change what is learned: a window for "undo" follows them."""
HIGH_STAKES = CAREFUL | {"volume_set"}
"""Intents whose wrong action hurts most (a ban, the volume at 100 %): high confidence only."""
UNDO_ONLY = frozenset({"undo"})
MIN_COMMAND_S = 0.3
"""Speech after the wake word shorter than this is the wake word's own tail: wake only."""
LOOKBACK_S = 0.0
"""Audio before the detection given to the recogniser. The detector fires 0-150 ms after the
wake word ends, so a command said in the same breath may lose its first phone; taking 0.15 or
0.3 s more (the wake word's tail, absorbed by the grammar's lead-in) verified worse on the
tune set than cutting at the detection."""


class WakeDetector(Protocol):
    """A streaming wake-word detector (voice._wake.MicroWakeWord)."""

    phrase: str

    def push(self, audio: Int16Array) -> Iterator[float]:
        """Stream times (s) of detections in this block of 16 kHz int16 audio."""
        ...

    def reset(self) -> None:
        """Forget what was heard so far (the stream clock keeps running)."""
        ...


TALK_MAX_S = 2.5
"""``on_voice_activity`` says False this long after speech began when no wake word came (a
sentence not meant for the speaker): the wake word is heard 0.5-1.1 s after its first sound
(bench: tune and held-out voices), so a talker's dip of the music ends soon after it."""

RESET_AFTER_S = 0.0
"""The wake-word detector starts fresh this long after each utterance ends (the endpointer
waits trailing_silence_ms of silence first): its front end's noise estimate and the network's
state carry the last sentence over, and on the tune voices a wake word right after other
speech scored 0.6-0.85 instead of 0.96-0.99. Later than 0 risks a reset inside the next wake
word when people speak 0.5 s apart."""


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


@dataclass
class _Utterance:
    start_s: float
    chunks: list[tuple[Int16Array, float]]
    """Audio blocks with the stream time at their end."""
    in_window: bool
    woke_at: float | None = None
    done: bool = False
    """Already answered (cut at the length cap); the rest of it is dropped."""

    def audio(self, since_s: float = -1.0) -> Int16Array:
        parts = [_tail(a, end, since_s) for a, end in self.chunks if end > since_s]
        return np.concatenate(parts) if parts else np.zeros(0, np.int16)


def _tail(audio: Int16Array, end_s: float, since_s: float) -> Int16Array:
    start_s = end_s - audio.shape[0] / SAMPLE_RATE_HZ
    if since_s <= start_s:
        return audio
    return audio[int((since_s - start_s) * SAMPLE_RATE_HZ) :]


MoodHook = Callable[[Int16Array, Intent], object | None]


class Listener:
    def __init__(
        self,
        recognizer: Recognizer,
        parser: IntentParser,
        endpointer: Endpointer,
        *,
        wake_phrase: str,
        wake: WakeDetector | None = None,
        require_wake: bool = True,
        follow_up_s: float = 5.0,
        endpoint_ms: float = 256.0,
        command_max_s: float = 4.0,
        careful_confidence: float = 0.85,
        mood: MoodHook | None = None,
    ) -> None:
        self.recognizer, self.parser, self.endpointer = recognizer, parser, endpointer
        self.wake_phrase, self.wake = wake_phrase, wake
        self.require_wake = require_wake
        self.follow_up_s, self.endpoint_ms = follow_up_s, endpoint_ms
        self.command_max_s, self.careful_confidence = command_max_s, careful_confidence
        self.mood = mood
        self.on_wake: Callable[[], None] | None = None
        """Told when the wake word is heard (earcon, ducking)."""
        self.on_attention: Callable[[bool], None] | None = None
        """True when a command may be coming (wake word, or speech in an open window or with
        no wake word needed), False when it was handled or the window closed (ducking)."""
        self.on_voice_activity: Callable[[bool], None] | None = None
        """True when someone starts talking (before any wake word: it may be in what they
        say), False when that utterance ends or ``TALK_MAX_S`` after it began without a wake
        word. The daemon lowers its music meanwhile (with echo cancellation on), so that the
        command said right after the wake word is not heard over it: the duck that follows the
        wake word reaches the microphone only after the output's and the room's latency."""
        self._talking = False
        self._clock_s = 0.0
        """Seconds of audio fed so far: the stream's own clock, which segments are timed in."""
        self._window: tuple[float, frozenset[str] | None] | None = None
        self._utt: _Utterance | None = None
        self._last_end_s = -1.0
        self._attending = False
        self._held = False
        self._reset_at: float | None = None

    def hold(self, on: bool) -> None:
        """Half-duplex: while moodplay itself speaks, the microphone is heard as silence."""
        self._held = on

    def open_window(self, seconds: float | None = None) -> None:
        """Push-to-talk: speech that starts in the next ``seconds`` needs no wake phrase."""
        self._open(self._clock_s, seconds, None)

    def feed(self, audio: Int16Array) -> list[Heard]:
        if self._held:
            audio = np.zeros_like(audio)
        self._clock_s += audio.shape[0] / SAMPLE_RATE_HZ
        self._fresh_wake()
        wakes = [] if self.wake is None else list(self.wake.push(audio))
        out = self._events(list(self.endpointer.push(audio)), wakes)
        self._expire()
        utt = self._utt
        if utt is not None and utt.woke_at is None and self._clock_s - utt.start_s > TALK_MAX_S:
            self._talk(False)
        return out

    def finish(self) -> list[Heard]:
        out = self._events(list(self.endpointer.flush()), [])
        self._talk(False)
        return out

    # -- events in stream order -------------------------------------------------------------

    def _events(self, segments: list[Segment], wakes: list[float]) -> list[Heard]:
        timeline: list[tuple[float, int, Segment | None]] = [(s.at_s, 0, s) for s in segments]
        timeline += [(t, 1, None) for t in wakes]
        out: list[Heard] = []
        for at_s, _, seg in sorted(timeline, key=lambda e: (e[0], e[1])):
            heard = self._on_wake(at_s) if seg is None else self._on_segment(seg)
            if heard is not None:
                out.append(heard)
        return out

    def _fresh_wake(self) -> None:
        due = self._reset_at is not None and self._clock_s >= self._reset_at
        if due and self._utt is None and self.wake is not None:
            self.wake.reset()
            self._reset_at = None

    def _on_wake(self, at_s: float) -> Heard | None:
        self._reset_at = None  # a detection resets the model itself
        if self.on_wake is not None:
            self.on_wake()
        self._attend(True)
        utt = self._utt
        if utt is None:
            # The wake word's utterance already ended (or the VAD missed it): wake only.
            return self._wake_only(at_s, at_s)
        if not utt.done and utt.woke_at is None:
            utt.woke_at = at_s
        return None

    def _on_segment(self, seg: Segment) -> Heard | None:
        if seg.kind == "start":
            start_s = seg.at_s - seg.audio.shape[0] / SAMPLE_RATE_HZ
            in_window = self._window is not None and start_s <= self._window[0]
            self._utt = _Utterance(start_s, [(seg.audio, seg.at_s)], in_window)
            self._talk(True)
            if in_window or not self.require_wake or self.wake is None:
                self._attend(True)  # a custom phrase is only known after decoding
            return None
        utt = self._utt
        if utt is None:
            return None
        if seg.kind == "audio":
            utt.chunks.append((seg.audio, seg.at_s))
            return self._check_length(utt, seg.at_s)
        self._utt, self._last_end_s = None, seg.at_s
        self._talk(False)
        self._reset_at = seg.at_s + RESET_AFTER_S
        return None if utt.done else self._utterance(utt, seg.at_s)

    def _check_length(self, utt: _Utterance, now_s: float) -> Heard | None:
        begun = utt.woke_at if utt.woke_at is not None else utt.start_s
        attended = utt.woke_at is not None or utt.in_window or not self.require_wake
        if utt.done or not attended or now_s - begun <= self.command_max_s:
            return None
        utt.done = True
        too_long = Intent(NOT_UNDERSTOOD, {}, "(too long)", 0.0)
        return self._conclude(utt, too_long, Transcript("", 0.0), now_s, time.perf_counter())

    # -- one utterance ----------------------------------------------------------------------

    def _utterance(self, utt: _Utterance, end_s: float) -> Heard | None:
        t0 = time.perf_counter()
        if self.wake is not None:
            return self._after_wake_word(utt, end_s, t0)
        audio = utt.audio()
        transcript = self._recognise(audio)
        woke, rest = split_wake(transcript.text, self.wake_phrase)
        if transcript.wake is False:
            woke = False  # the engine's own wake check overrides the grammar's optional prefix
        if self.require_wake and not woke and not utt.in_window:
            return self._ignored(utt, end_s, t0, rest, transcript.confidence)
        if woke and not rest:
            return self._wake_only(utt.start_s, end_s)
        intent = self._intent(rest, transcript.confidence, utt)
        return self._conclude(utt, intent, transcript, end_s, t0, audio=audio, woke=woke)

    def _after_wake_word(self, utt: _Utterance, end_s: float, t0: float) -> Heard | None:
        if utt.woke_at is None and not utt.in_window and self.require_wake:
            return self._ignored(utt, end_s, t0, "", 0.0)  # never decoded: costs nothing
        since = -1.0 if utt.woke_at is None else utt.woke_at - LOOKBACK_S
        speech_s = end_s - self.endpoint_ms / 1000.0 - max(since, utt.start_s)
        if utt.woke_at is not None and speech_s < MIN_COMMAND_S + LOOKBACK_S:
            return self._wake_only(utt.start_s, end_s)
        audio = utt.audio(since)
        transcript = self._recognise(audio)
        intent = self._intent(transcript.text, transcript.confidence, utt)
        woke = utt.woke_at is not None
        return self._conclude(utt, intent, transcript, end_s, t0, audio=audio, woke=woke)

    def _recognise(self, audio: Int16Array) -> Transcript:
        self.recognizer.start()
        self.recognizer.feed(audio)
        return self.recognizer.finish()

    def _intent(self, text: str, confidence: float, utt: _Utterance) -> Intent:
        if confidence < self.recognizer.min_confidence:
            return Intent(NOT_UNDERSTOOD, {}, text, confidence)
        intent = self.parser.parse(text, confidence)
        if intent.name in HIGH_STAKES and intent.confidence < self.careful_confidence:
            return Intent(NOT_UNDERSTOOD, {}, text, intent.confidence)
        allowed = self._window[1] if self._window and utt.woke_at is None else None
        if allowed is not None and intent.name not in allowed and utt.in_window:
            return Intent(IGNORED, {}, text, intent.confidence)
        return intent

    def _conclude(
        self,
        utt: _Utterance,
        intent: Intent,
        transcript: Transcript,
        end_s: float,
        t0: float,
        *,
        audio: Int16Array | None = None,
        woke: bool = True,
    ) -> Heard:
        self._follow_up(intent.name, end_s)
        processing = (time.perf_counter() - t0) * 1000
        mood, extra = None, {}
        if self.mood is not None and audio is not None and intent.name != IGNORED:
            t1 = time.perf_counter()
            mood = self.mood(audio, intent)
            extra["mood_ms"] = (time.perf_counter() - t1) * 1000
        return Heard(intent, transcript.text, transcript.confidence, woke, utt.start_s, end_s,
                     processing, self.endpoint_ms, mood, extra)  # fmt: skip

    def _ignored(self, utt: _Utterance, end_s: float, t0: float, text: str, conf: float) -> Heard:
        if self._window is None:
            self._attend(False)
        processing = (time.perf_counter() - t0) * 1000
        return Heard(Intent(IGNORED, {}, text, conf), text, conf, False, utt.start_s, end_s,
                     processing, self.endpoint_ms)  # fmt: skip

    def _wake_only(self, start_s: float, end_s: float) -> Heard:
        self._open(end_s, None, None)
        return Heard(Intent(WAKE_ONLY, {}, "", 1.0), "", 1.0, True, start_s, end_s, 0.0,
                     self.endpoint_ms)  # fmt: skip

    # -- the follow-up window and attention ---------------------------------------------------

    def _follow_up(self, name: str, end_s: float) -> None:
        if name in QUESTIONS:
            self._open(end_s, None, None)
        elif name in CAREFUL:
            self._open(end_s, None, UNDO_ONLY)
        elif name != IGNORED:
            self._window = None
            self._attend(False)

    def _open(self, from_s: float, seconds: float | None, allowed: frozenset[str] | None) -> None:
        self._window = (from_s + (self.follow_up_s if seconds is None else seconds), allowed)
        self._attend(allowed is None)

    def _expire(self) -> None:
        if self._window is not None and self._utt is None and self._clock_s > self._window[0]:
            self._window = None
            self._attend(False)

    def _talk(self, on: bool) -> None:
        if on != self._talking:
            self._talking = on
            if self.on_voice_activity is not None:
                self.on_voice_activity(on)

    def _attend(self, on: bool) -> None:
        if on != self._attending:
            self._attending = on
            if self.on_attention is not None:
                self.on_attention(on)
